"""What an exception raised by torch says by itself, when its message states a fact about the learner's
output (not a guess at the line): read from the message, never from the learner's code."""

from __future__ import annotations

# (a fragment of torch's message, what it shows) — only messages whose meaning does not depend on the code around them.
READINGS = (
    ("does not require grad and does not have a grad_fn",
     "your output is cut from the autograd graph: it has no grad_fn, so no gradient can flow back through it (it "
     "was computed with gradient tracking switched off)"),
)


def exception_reading(message: str) -> str:
    """The fact an exception's message states, or ''."""
    for fragment, meaning in READINGS:
        if fragment in message:
            return meaning
    return ""
