"""Who may import the learner's modules, inside the child.

The static scan reads the learner's file and the workspace modules its imports reach, and
nothing else. So a workspace module may run only when the learner's own code imports it:
never for a library's lazy or optional import (mpmath's `import gmpy2` under
`torch.testing`), which would run a file no one scanned, with the guard's view of it
wrong. Two pieces, used by grader/sandbox/child.py: `importing_file` names the importer of the
import under way (the child's in-memory finder serves workspace modules only to learner
files), and `LibrariesOnly` keeps the learner's folders off the import path while the
uid level pre-imports libraries as root, before anything is confined or redirected.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys


# Code that imports on its caller's behalf: importlib.import_module, and whatever registers
# itself with `imports_for_its_caller` (the course's `sibling`, with which a reference run
# as a learner's file (`grader validate`) loads the reference beside it). A registry rather
# than an import of the course here: this module is loaded in the child, where importing
# the course is refused, and a function that is not loaded cannot be on the stack anyway.
_DELEGATES: set = {importlib.import_module.__code__}


def imports_for_its_caller(function):
    """Mark `function` as importing on its caller's behalf (see importing_file)."""
    _DELEGATES.add(function.__code__)
    return function


def importing_file(frame) -> str:
    """The file whose code runs the import under way at `frame` (a finder's caller): the
    first frame above the import system's own and the delegates'. "" if none."""
    delegates = _DELEGATES
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen importlib")
                                 or frame.f_code in delegates):
        frame = frame.f_back
    return frame.f_code.co_filename if frame is not None else ""


class LibrariesOnly(importlib.abc.MetaPathFinder):
    """A top-level import whose name a learner's folder answers to is looked up on the
    import path without those folders: the library's module if there is one, else not
    found. Names the folders do not hold pass through untouched."""

    def __init__(self, learner_dirs: list[str]):
        self.dirs = sorted({os.path.realpath(d) for d in learner_dirs})

    def find_spec(self, fullname, path=None, target=None):
        if path is not None or not self.dirs:
            return None
        if importlib.machinery.PathFinder.find_spec(fullname, self.dirs) is None:
            return None
        others = [e for e in sys.path if os.path.realpath(e or os.curdir) not in self.dirs]
        found = importlib.machinery.PathFinder.find_spec(fullname, others)
        if found is None:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return found
