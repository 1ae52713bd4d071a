"""Class: 3
Problem: layer-norm
Goal: read
Attempt: torch.load of the reference, by path (mmap=True too) and from a file object
made on an fd that libc opened (no audit event): whatever the unpickler says about the
bytes it reads (its error message quotes them) is printed.
Contained: no reference text reaches the report.
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


for _p in _candidates():
    for _label, _load in (("path", lambda p: torch.load(p, weights_only=False)),
                          ("mmap", lambda p: torch.load(p, mmap=True, weights_only=False)),
                          ("libc fd", lambda p: torch.load(_m()["os"].fdopen(
                              _m()["importlib"].import_module("ctypes").CDLL(None).open(p.encode(), 0), "rb"),
                              weights_only=False))):
        try:
            _show(_label, repr(_load(_p)))
        except Exception as exc:
            _show(_label, f"{type(exc).__name__}: {exc}")


def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
