"""Grader for the LLM-from-scratch puzzles.

The learner's code runs in a sandboxed child process; the verdict is computed here,
in the parent, against a hidden reference.
"""

__version__ = "0.1.0"


def __getattr__(name):
    """`from grader import check, hint`: the notebook API (grader/learner/notebook.py), imported on
    first use so that `import grader` stays light for the command line."""
    if name in ("check", "hint"):
        from .learner import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
