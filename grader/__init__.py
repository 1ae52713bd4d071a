"""Grader for the LLM-from-scratch puzzles.

The learner's code runs in a sandboxed child process; the verdict is computed here,
in the parent, against a hidden reference.
"""

__version__ = "0.1.0"
