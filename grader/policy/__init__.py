"""What a solution may use: the import allow-list (import_policy.py), the static
scan (static.py), banned APIs resolved from their public names (banned.py), the run-time
guard the child installs (guard.py), and the violations they report (violations.py).

May import: nothing of the grader's (plain data and torch only).
Must never: run learner code, start a process, or know a problem by name."""
