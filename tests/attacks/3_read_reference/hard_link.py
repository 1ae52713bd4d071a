"""Class: 3
Problem: layer-norm
Goal: read
Attempt: os.link makes a hard link to the reference under /tmp; its real path is not in
the reference directory, so the audit hook's realpath check lets `open` read it.
Contained: no reference text reaches the report (and no link is left behind).
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


for _i, _p in enumerate(_candidates()):
    _os = _m()["os"]
    _link = f"/tmp/gatk-left-hardlink-{_os.getpid()}-{_i}.txt"
    try:
        _os.link(_p, _link)
        _show(_link, _m()["io"].open(_link).read())
    except Exception as exc:
        print("hard link failed:", type(exc).__name__, exc)
    finally:
        try:
            _os.unlink(_link)
        except Exception:
            pass


def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
