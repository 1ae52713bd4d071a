"""Class: 3
Problem: layer-norm
Goal: read
Link: notes.txt -> reference/layer_norm.py
Link: ref_helpers.py -> reference/layer_norm.py
Attempt: workspace files that are symlinks to the reference (as a submitted archive can
hold): read notes.txt with io.open, and import ref_helpers.py as a module.
Contained: no reference text reaches the report, the import is refused.
"""
import torch


def _m(t=torch):
    """sys.modules, reached through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _candidates(name="layer_norm.py"):
    """Where a course's hidden reference lives: beside the grader package (an editable
    install or the repository), under course_data (a wheel), or under the working directory."""
    os = _m()["os"]
    roots = []
    g = _m().get("grader")
    if g is not None:
        roots.append(os.path.dirname(os.path.dirname(os.path.abspath(g.__file__))))
        roots.append(os.path.join(os.path.dirname(os.path.abspath(g.__file__)), "course_data"))
    roots.append(os.getcwd())
    out = []
    for r in roots:
        p = os.path.join(r, "reference", name)
        if os.path.exists(p) and p not in out:
            out.append(p)
    return out


def _show(label, text):
    print(f"=== {label} ===")
    print(text[:3000])


_os = _m()["os"]
_here = _os.path.dirname(_os.path.abspath(__file__))
try:
    _show("notes.txt", _m()["io"].open(_os.path.join(_here, "notes.txt")).read())
except Exception as exc:
    print("symlink read failed:", type(exc).__name__, exc)
try:
    _mod = _m()["importlib"].import_module("ref_helpers")
    print("imported the reference:", _mod.__doc__)
except Exception as exc:
    print("symlink import failed:", type(exc).__name__, exc)


def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
