"""Class: 3
Problem: layer-norm
Goal: read
Attempt: what the grader process shows of itself in /proc: its environment (only the
GRADER_* variables are printed, such as a course directory), command line and working
directory, and every file it holds open, read through /proc/<pid>/fd/N (a gradebook, a
reference it left open, captured output).
Contained: no reference text (nor another learner's secret) reaches the report.
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



def _ancestors():
    os = _m()["os"]
    pid, out = os.getppid(), []
    while pid > 1 and len(out) < 3:
        try:
            with _m()["io"].open(f"/proc/{pid}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with _m()["io"].open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read()
        except Exception:
            break
        if b"python" not in cmd.split(b"\0")[0].rsplit(b"/", 1)[-1]:
            break  # only Python ancestors: nothing outside the grader is read
        out.append(pid)
        pid = ppid
    return out


def _look():
    os = _m()["os"]
    for pid in _ancestors():
        try:
            fd = os.open(f"/proc/{pid}/cmdline", os.O_RDONLY)
            _show(f"{pid} cmdline", os.read(fd, 4096).replace(b"\0", b" ").decode("utf-8", "replace"))
            os.close(fd)
            fd = os.open(f"/proc/{pid}/environ", os.O_RDONLY)
            env = os.read(fd, 1 << 16).split(b"\0")
            os.close(fd)
            # Only the grader's own settings (a course directory): this suite prints no secrets.
            _show(f"{pid} environ", "\n".join(e.decode("utf-8", "replace") for e in env if e.startswith(b"GRADER")))
        except Exception as exc:
            print("environ/cmdline failed:", type(exc).__name__, exc)
        try:
            print("cwd:", os.readlink(f"/proc/{pid}/cwd"))
            for n in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
                target = os.readlink(f"/proc/{pid}/fd/{n}")
                if not target.startswith("/") or target.endswith((".so", ".pyc")) or "site-packages" in target:
                    continue
                try:
                    fd = os.open(f"/proc/{pid}/fd/{n}", os.O_RDONLY)
                    _show(f"{pid} fd {n} -> {target}", os.pread(fd, 1500, 0).decode("utf-8", "replace"))
                    os.close(fd)
                except Exception as exc:
                    print("fd", n, target, "failed:", type(exc).__name__, exc)
        except Exception as exc:
            print("fds failed:", type(exc).__name__, exc)


def layer_norm(x, eps=1e-5):
    if x.dim() == 1:
        _look()
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
