"""Workspace modules run only when the learner's own code imports them (issue 16, class 5):
never for a library's lazy or optional import, which would run a file the static scan
never read (grader/policy/learner_imports.py, used by the child's finder and the uid level's
pre-import)."""

import sys

import pytest

from grader.sandbox.child import _WorkspaceFinder, preimport
from grader.policy.guard import LearnerFrames
from grader.policy.learner_imports import LibrariesOnly, importing_file


def test_a_workspace_module_is_served_only_to_learner_files(tmp_path):
    """A library's lazy import (mpmath's `import gmpy2`) never gets a workspace gmpy2.py,
    which the static scan does not read: only the grader (the entry module) and the
    learner's own files are served workspace modules."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    frames = LearnerFrames([workspace])
    sources = {"closed_world_gelu": (str(workspace / "closed_world_gelu.py"), "value = 1\n"),
               "closed_world_gmpy2": (str(workspace / "closed_world_gmpy2.py"), "value = 2\n")}
    finder = _WorkspaceFinder(sources, "closed_world_gelu", frames.is_learner)
    sys.meta_path.insert(0, finder)
    try:
        library = compile("import closed_world_gmpy2", str(tmp_path / "site-packages" / "mpmath.py"), "exec")
        with pytest.raises(ModuleNotFoundError):
            exec(library, {})
        through_importlib = compile("import importlib\nimportlib.import_module('closed_world_gmpy2')",
                                    str(tmp_path / "site-packages" / "lazy.py"), "exec")
        with pytest.raises(ModuleNotFoundError):  # import_module imports for its caller, a library
            exec(through_importlib, {})
        learner = compile("import closed_world_gmpy2\nv = closed_world_gmpy2.value",
                          str(workspace / "closed_world_gelu.py"), "exec")
        namespace: dict = {}
        exec(learner, namespace)
        assert namespace["v"] == 2
        import importlib

        assert importlib.import_module("closed_world_gelu").value == 1  # the grader loads the entry
    finally:
        sys.meta_path.remove(finder)
        for name in sources:
            sys.modules.pop(name, None)


def test_a_library_lazy_import_does_not_run_a_workspace_file(grade):
    """End to end: torch.testing imports sympy, which imports mpmath, which tries gmpy2; a
    workspace gmpy2.py (never imported by the learner, never scanned) must not run."""
    report = grade("gelu", """
        import math
        import torch

        def gelu(x):
            torch.testing.assert_close(x, x)
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    """, extra_files={"gmpy2.py": "import os\nos._exit(7)\n", "gmpy.py": "import os\nos._exit(7)\n",
                      "flint.py": "import os\nos._exit(7)\n"})
    assert report.error is None, report.error
    assert not any("status 7" in c.message for c in report.cases), "a workspace file ran for a library's import"
    if report.isolation != "uid":  # at the uid level sympy itself may be unreadable to the child
        assert all(c.passed for c in report.cases), [(c.name, c.message) for c in report.cases if not c.passed]


def test_importing_file_skips_the_import_system(tmp_path):
    seen = []

    class Spy:
        def find_spec(self, fullname, path=None, target=None):
            if fullname == "closed_world_spy_target":
                seen.append(importing_file(sys._getframe(1)))
            return None

    spy = Spy()
    sys.meta_path.insert(0, spy)
    try:
        with pytest.raises(ModuleNotFoundError):
            exec(compile("import closed_world_spy_target", str(tmp_path / "learner.py"), "exec"), {})
    finally:
        sys.meta_path.remove(spy)
    assert seen == [str(tmp_path / "learner.py")]


def test_preimport_never_runs_a_workspace_module_a_library_asks_for(tmp_path, monkeypatch):
    """The uid level pre-imports the libraries a learner's file names, as root: a library's
    optional `import cw_optional` must not find the workspace's cw_optional.py, even with
    the workspace on the import path (a grader started from it with `python -m`)."""
    workspace, site = tmp_path / "ws", tmp_path / "site"
    workspace.mkdir()
    site.mkdir()
    (site / "cw_library.py").write_text(
        "try:\n    import cw_optional\nexcept ImportError:\n    cw_optional = None\n")
    (workspace / "cw_optional.py").write_text("import builtins\nbuiltins.cw_ran = True\n")
    monkeypatch.setattr(sys, "path", [str(workspace), str(site), *sys.path])
    sources = {"gelu": (str(workspace / "gelu.py"), "import cw_library\n")}
    try:
        preimport(sources, "gelu", [str(site)], [str(workspace)])  # libraries live in `site` here
        assert sys.modules["cw_library"].cw_optional is None
        assert "cw_optional" not in sys.modules
        import builtins

        assert not hasattr(builtins, "cw_ran")
        assert not any(isinstance(f, LibrariesOnly) for f in sys.meta_path)  # removed afterwards
    finally:
        for name in ("cw_library", "cw_optional"):
            sys.modules.pop(name, None)


def test_libraries_only_prefers_the_library_and_passes_other_names(tmp_path, monkeypatch):
    workspace, site = tmp_path / "ws", tmp_path / "site"
    workspace.mkdir()
    site.mkdir()
    (workspace / "cw_both.py").write_text("where = 'workspace'\n")
    (site / "cw_both.py").write_text("where = 'site'\n")
    monkeypatch.setattr(sys, "path", [str(workspace), str(site), *sys.path])
    finder = LibrariesOnly([str(workspace)])
    assert finder.find_spec("cw_both").origin == str(site / "cw_both.py")
    assert finder.find_spec("cw_nowhere") is None  # not the learner's: the other finders decide
    assert finder.find_spec("cw_both", path=[str(workspace)]) is None  # submodules: untouched
