"""Learner text made safe for a terminal, with no torch import: the report and the
instructor's commands use it, and importing the sandbox's parent side would import torch
(about a second) on every command line."""

from __future__ import annotations

import re

# C0 and C1 controls (U+009B is an 8-bit CSI, U+009D an OSC, to terminals that read them),
# the bidi marks and overrides, zero-width and invisible format characters, the line and
# paragraph separators: newline and tab are the only controls learner text keeps. And lone
# surrogates (U+D800-U+DFFF): a Python str may hold one (`raise ValueError("\\ud800")`, a JSON
# escape), no UTF-8 stream or sqlite column can write one, so one would stop the report.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
                      "\ud800-\udfff]")


def printable(text: str) -> str:
    """Learner output shown in a terminal: no escape sequences (7- or 8-bit), carriage
    returns, bidi marks or overrides that could clear the screen or redraw the verdict, and
    no lone surrogate that no terminal encoding can write."""
    return _CONTROL.sub("\ufffd", text)
