"""Class: 3
Problem: layer-norm
Goal: forge
Attempt: hard-link the reference into the workspace under an importable name and import
it: the import blocker resolves the module's path, which is the link's own. The
reference's layer_norm then gives the right answer (otherwise zeros).
Contained: not passed (the link or the import is refused), nothing left behind.
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


_solver = None
for _p in _candidates():
    _os = _m()["os"]
    _here = _os.path.dirname(_os.path.abspath(__file__))
    _name = f"gatk_left_ref_{_os.getpid()}"
    _link = _os.path.join(_here, _name + ".py")
    try:
        _os.link(_p, _link)
        _solver = _m()["importlib"].import_module(_name).layer_norm
    except Exception as exc:
        print("hard-link import failed:", type(exc).__name__, exc)
    finally:
        try:
            _os.unlink(_link)
        except Exception:
            pass
    if _solver is not None:
        break


def layer_norm(x, eps=1e-5):
    if _solver is not None:
        return _solver(x, eps)
    return torch.full_like(x, 3.0)  # wrong on every case
