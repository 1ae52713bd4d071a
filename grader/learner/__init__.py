"""The learner's commands: `grader watch` (watch.py), the notebook API
`grader.check` (notebook.py), which problems can be checked here (availability.py),
a statement on the terminal (statement.py).

May import: the verdict wing and everything below it.
Must never: import the instructor's wing (a learner's bundle has no references)."""
