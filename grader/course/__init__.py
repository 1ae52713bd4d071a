"""What a problem is: the course on disk and its references (loader.py), problem.toml
parsed once (spec.py), named seeded cases (cases.py), known mistakes (mistakes.py), the
course's error (errors.py), and the learner's workspace laid out from it (workspace.py:
the check reads where a workspace keeps its state, so it sits here, below the check).

May import: the policy wing (a problem's import policy).
Must never: import the sandbox or run learner code. `grader.course.sibling` is
author-facing (reference/*.py import it): this package serves it."""


def __getattr__(name):
    """`from grader.course import sibling`: author-facing (reference/*.py), served
    from loader.py on first use."""
    if name == "sibling":
        from .loader import sibling

        return sibling
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
