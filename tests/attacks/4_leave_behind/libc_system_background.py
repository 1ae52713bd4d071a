"""Class: 4
Problem: layer-norm
Goal: leave
Attempt: libc system() runs a shell that puts a sleeper in the background (nohup, fds
closed) and returns at once; the sleeper's shell carries GRADER_ATTACK_MARKER.
Contained: no process of the attack is alive after the check.
"""
import torch

MARKERS = "/tmp/grader-attack-markers"


def _m(t=torch):
    return t.sys.modules


def _first_case(x):
    """Only the first layer-norm case, "typical (2, 5, 16)": bounds what the attack starts."""
    return tuple(x.shape) == (2, 5, 16)


def _pidfile(kind, pid):
    os = _m()["os"]
    try:
        os.makedirs(MARKERS, exist_ok=True)
        fd = os.open(f"{MARKERS}/gatk-pid-{kind}-{pid}", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, str(pid).encode())
        os.close(fd)
    except Exception:
        pass


def layer_norm(x, eps=1e-5):
    if _first_case(x):
        try:
            ct = _m()["importlib"].import_module("ctypes")
            ct.CDLL(None).system(b"nohup sh -c 'sleep 15; : GRADER_ATTACK_MARKER_system' "
                                 b"</dev/null >/dev/null 2>&1 &")
        except Exception as exc:
            print("system failed:", type(exc).__name__, exc)
    return torch.full_like(x, 3.0)  # wrong on every case
