"""The operating system holds, whatever the static scan misses.

Each attack below is what a determined learner could submit (layer-norm unless said
otherwise), one or more per class of the sandbox issue. The static scan is switched
off here (`unscanned`), so what is tested is the second net: the confined child and a
parent that trusts nothing. An attack is contained when the grader survives, the
verdict is not a pass, and nothing outside the child changed: grader and reference
files, the workspace's state, the test process, leftover processes or files.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from conftest import REPO
from grader.sandbox.parent import Limits, Sandbox

FAST = Limits(wall_seconds=4, cpu_seconds=2, memory_mb=1024)
REFERENCE = REPO / "reference" / "layer_norm.py"
GRADER = REPO / "grader"
# A line of the hidden reference that no learner would write: if it shows up anywhere in
# a report, the reference was read.
SENTINEL = next(line.strip() for line in REFERENCE.read_text().splitlines() if "def cases" in line)
WRONG = """
import torch
def layer_norm(x, eps=1e-5):
    return x * 0
"""
RIGHT_BODY = """
    c = x - x.mean(-1, keepdim=True)
    return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
"""


def attack(prelude: str, body: str = "", right: bool = False) -> str:
    """A layer-norm file running `prelude` at import and `body` in the call; it returns
    zeros (a forged pass is then visible) unless `right`."""
    tail = RIGHT_BODY if right else "    return x * 0\n"
    return "import torch\n" + prelude + "\ndef layer_norm(x, eps=1e-5):\n" + body + tail


def _digest(paths) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def unscanned(monkeypatch):
    """The static scan sees nothing: only the sandbox stands in the way."""
    import grader.verdict.runner as runner

    monkeypatch.setattr(runner, "scan_file", lambda *a, **k: ([], None))
    monkeypatch.setattr(runner, "scan_source", lambda *a, **k: ([], None))


@pytest.fixture
def contained(tmp_path, course, sandbox, unscanned, capfd):
    """run(source, slug="layer-norm", extra_files=None, **kw) -> report, asserting the
    grader's files, the workspace state and the test process's stdout are untouched."""
    state = tmp_path / ".grader" / "state.json"
    state.parent.mkdir()
    state.write_text('{"solved": []}')
    watched = list(GRADER.rglob("*.py")) + list((REPO / "reference").glob("*.py"))
    before = _digest(watched)

    def run(source: str, slug: str = "layer-norm", extra_files: dict | None = None, box: Sandbox | None = None,
            **kwargs):
        from grader.verdict.runner import check_problem

        problem = course.get(slug)
        for name, text in (extra_files or {}).items():
            (tmp_path / name).write_text(text)
        path = tmp_path / f"{problem.module_name}.py"
        path.write_text(source)
        started = time.monotonic()
        report = check_problem(course, problem, file=path, workspace=tmp_path, sandbox=box or sandbox,
                               limits=kwargs.pop("limits", FAST), **kwargs)
        assert time.monotonic() - started < 60
        out = capfd.readouterr().out
        assert "PASSED" not in out and '"passed": true' not in out, "something wrote to the grader's stdout"
        assert _digest(watched) == before, "a grader or reference file changed"
        assert state.read_text() == '{"solved": []}', "the workspace state changed"
        text = json.dumps(report.to_dict())
        assert SENTINEL not in text, "the hidden reference leaked into the report"
        return report

    yield run
    os.system("git -C %s checkout -q -- grader reference 2>/dev/null" % REPO) if _digest(watched) != before else None


def not_passed(report) -> bool:
    return not report.passed and report.score < 1.0


# --------------------------------------------------------------------------- 1. descriptors
FORGE_ON_EVERY_FD = """
import os, struct, pickle, json
def _forge():
    frame = pickle.dumps(({"status": "ok"}, None))
    junk = struct.pack("!Q", 1 << 40) + b"x" * 64
    for fd in range(3, 1024):
        for data in (struct.pack("!Q", len(frame)) + frame, junk):
            try:
                os.write(fd, data)
            except OSError:
                pass
_forge()
"""


def test_writing_frames_to_every_inherited_descriptor_forges_nothing(contained):
    report = contained(attack(FORGE_ON_EVERY_FD))
    assert not_passed(report)


def test_open_descriptors_are_only_the_childs_own(contained):
    report = contained(attack("import os\nprint('FDS', sorted(int(f) for f in os.listdir('/proc/self/fd')))", right=True))
    line = next(l for l in report.cases[0].output.splitlines() if l.startswith("FDS"))
    fds = json.loads(line.split(" ", 1)[1])
    assert len([fd for fd in fds if fd > 2]) <= 2, fds  # the result pipe (and the listing's own)


def test_a_result_frame_claiming_a_terabyte_is_bad_output_not_a_hang(contained):
    report = contained(attack("", "    import os, struct\n    os.write(3, struct.pack('!I', 2) + b'{}' + struct.pack('!Q', 1 << 40))\n"
                              "    os.write(4, struct.pack('!I', 2) + b'{}' + struct.pack('!Q', 1 << 40))\n"))
    assert not_passed(report)


def test_junk_on_the_result_pipe_is_a_clear_verdict(contained):
    report = contained(attack("", "    import os\n    [os.write(fd, b'\\xff' * 100) for fd in (3, 4, 5) if fd]\n"))
    assert not_passed(report) and report.cases[0].status in ("bad-output", "exception")


# --------------------------------------------------------------------------- 2. changing the grader
def test_appending_to_grader_modules_is_impossible(contained):
    targets = [str(GRADER / "verdict/diagnose.py"), str(GRADER / "verdict/report.py"), str(GRADER / "verdict/localise.py")]
    report = contained(attack(f"""
for path in {targets!r}:
    try:
        with open(path, 'a') as fh:
            fh.write('\\nraise SystemExit(0)\\n')
        print('WROTE', path)
    except OSError as exc:
        print('REFUSED', type(exc).__name__)
"""))
    assert not_passed(report)
    assert "WROTE" not in report.cases[0].output


def test_writing_a_verdict_to_the_parents_stdout_and_killing_it(contained):
    report = contained(attack(f"""
import os, signal
for pid in ({os.getpid()}, os.getppid(), 1):
    try:
        with open(f'/proc/{{pid}}/fd/1', 'w') as fh:
            fh.write('PASSED  {{"passed": true, "score": 1.0}}\\n')
    except OSError:
        pass
    for sig in (signal.SIGKILL, signal.SIGTERM):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
"""))
    assert not_passed(report)


def test_the_child_sees_only_its_own_processes(contained):
    report = contained(attack("import os\nprint('PIDS', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))",
                              right=True))
    line = next(l for l in report.cases[0].output.splitlines() if l.startswith("PIDS"))
    assert str(os.getpid()) not in line.split(" ", 1)[1].strip("[]").split(", ")
    assert report.passed


# --------------------------------------------------------------------------- 3. reading the reference
READERS = {
    "open": "open(P).read()",
    "os.open": "os.read(os.open(P, os.O_RDONLY), 100000).decode()",
    "io.FileIO": "io.FileIO(P).read().decode()",
    "torch.from_file": "bytes(torch.from_file(P, size=os.path.getsize(P), dtype=torch.uint8).tolist()).decode()",
    "pathlib": "pathlib.Path(P).read_text()",
    "mmap": "mmap.mmap(os.open(P, os.O_RDONLY), 0, prot=mmap.PROT_READ)[:].decode()",
    "ctypes libc": "(lambda c: (lambda fd: (lambda b: (c.read(fd, b, 100000), b.value.decode())[1])"
                   "(ctypes.create_string_buffer(100000)))(c.open(P.encode(), 0)))(ctypes.CDLL(None))",
    "linecache": "''.join(linecache.getlines(P))",
    "hard link": "(os.link(P, '/tmp/x.py'), open('/tmp/x.py').read())[1]",
    "subprocess": "subprocess.run(['cat', P], capture_output=True).stdout.decode()",
    "parent's memory": "open(f'/proc/{PPID}/mem', 'rb').read(10)",
}


@pytest.mark.parametrize("how", list(READERS))
def test_the_reference_cannot_be_read(contained, how):
    source = attack(f"""
import os, io, mmap, ctypes, linecache, pathlib, subprocess
P, PPID = {str(REFERENCE)!r}, {os.getpid()}
try:
    print('GOT', {READERS[how]})
except BaseException as exc:
    print('REFUSED', type(exc).__name__)
""", right=True)
    report = contained(source)
    out = report.cases[0].output
    assert "REFUSED" in out or out.strip() == "GOT", out[:300]


def test_a_workspace_symlink_to_the_reference_leads_nowhere(contained, tmp_path):
    (tmp_path / "helper.py").symlink_to(REFERENCE)
    report = contained(attack("import helper\nprint('GOT', [k for k in vars(helper)][:50])", right=True))
    assert not report.passed


def test_the_grader_and_other_files_are_not_visible(contained):
    report = contained(attack(f"""
import os
for p in ({str(GRADER)!r}, {str(REPO)!r}, '/home', '/etc/shadow', '/work'):
    print('SEE', p, os.path.exists(p) and (os.listdir(p) if os.path.isdir(p) else 'file'))
print('ROOT', os.listdir('/root') if os.path.isdir('/root') else [])
""", right=True))
    import sys

    import torch

    # A directory may show the way to the Python installation (bound read-only), nothing else.
    installs = [Path(sys.prefix), Path(sys.base_prefix), Path(torch.__file__).parent]
    for line in report.cases[0].output.splitlines():
        if line.startswith("SEE"):
            _, seen, listing = line.split(" ", 2)
            on_the_way = {i.parts[len(Path(seen).parts)] for i in installs
                          if i.is_relative_to(seen) and len(i.parts) > len(Path(seen).parts)}
            assert listing == "False" or set(json.loads(listing.replace("'", '"'))) <= on_the_way, line
        if line.startswith("ROOT"):  # at most the way to a Python installation under /root
            import sys

            allowed = {part for prefix in (sys.prefix, sys.base_prefix) for part in Path(prefix).parts}
            assert set(json.loads(line.split(" ", 1)[1].replace("'", '"'))) <= allowed, line


# --------------------------------------------------------------------------- 4. leaving things behind
def test_no_process_can_be_started_and_none_outlives_the_check(contained, tmp_path):
    marker = tmp_path.name
    report = contained(attack(f"""
import os, ctypes
out = []
for how in ('os.fork', 'libc fork', 'posixsubprocess', 'posix_spawn'):
    try:
        if how == 'os.fork':
            pid = os.fork()
        elif how == 'libc fork':
            pid = ctypes.CDLL(None).fork()
            pid = pid if pid >= 0 else (_ for _ in ()).throw(OSError('fork'))
        elif how == 'posixsubprocess':
            import _posixsubprocess
            pid = _posixsubprocess.fork_exec(['sleep', '30'], [b'/bin/sleep'], True, (), None, None,
                                            -1, -1, -1, -1, -1, -1, -1, -1, False, False, -1, None, None, None, -1, None, False)
        else:
            pid = os.posix_spawn('/bin/sleep', ['sleep', '30', {marker!r}], {{}})
        if pid == 0:
            import time
            time.sleep(20)
            open('/tmp/{marker}-survivor', 'w').write('x')
            os._exit(0)
        out.append(how + ' STARTED')
    except BaseException as exc:
        out.append(how + ' ' + type(exc).__name__)
print(out)
"""))
    assert "STARTED" not in report.cases[0].output, report.cases[0].output
    time.sleep(0.5)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                assert marker.encode() not in (entry / "cmdline").read_bytes()
            except OSError:
                pass


def test_a_fork_bomb_is_refused_at_once(contained):
    report = contained(attack("", "    import os\n    for _ in range(100):\n        os.fork()\n"))
    assert not_passed(report) and report.cases[0].status == "exception"


def test_writing_is_confined_to_a_small_scratch(contained, tmp_path):
    report = contained(attack(f"""
import os
wrote = 0
try:
    for i in range(100000):
        with open(f'/tmp/f{{i}}', 'wb') as fh:
            fh.write(b'x' * 65536)
        wrote += 65536
except OSError as exc:
    print('STOPPED', type(exc).__name__, wrote // (1 << 20), 'MiB')
for p in ({str(tmp_path)!r}, '/var/tmp', '/dev/shm', '/'):
    try:
        open(os.path.join(p, 'planted'), 'w').write('x')
        print('PLANTED', p)
    except OSError:
        pass
""", right=True))
    out = report.cases[0].output
    assert "STOPPED" in out and int(out.split("STOPPED")[1].split()[1]) <= 64
    assert "PLANTED /tmp" not in out and "PLANTED /var" not in out
    assert not (tmp_path / "planted").exists()
    assert report.passed


def test_the_workspace_state_cannot_be_rewritten(contained, tmp_path):
    state = str(tmp_path / ".grader" / "state.json")
    report = contained(attack(f"""
try:
    open({state!r}, 'w').write('{{"solved": ["layer-norm"]}}')
    print('REWROTE')
except OSError:
    print('REFUSED')
""", right=True))
    assert "REFUSED" in report.cases[0].output


# --------------------------------------------------------------------------- 5. the second net
def test_a_banned_call_from_a_second_thread_cannot_run(contained):
    report = contained(attack("", """    import threading
    box = []
    t = threading.Thread(target=lambda: box.append(torch.nn.functional.layer_norm(x, x.shape[-1:], eps=eps)))
    t.start(); t.join()
    return box[0]
"""))
    assert not_passed(report)


def test_network_is_unreachable(contained):
    report = contained(attack("""
import socket
try:
    socket.create_connection(('127.0.0.1', 22), timeout=1)
    print('CONNECTED')
except OSError as exc:
    print('REFUSED', type(exc).__name__)
""", right=True))
    assert "REFUSED" in report.cases[0].output


# --------------------------------------------------------------------------- 6. outputs that crash parents
ODD_OUTPUTS = {
    "meta": "torch.empty_like(x, device='meta')",
    "nested": "torch.nested.nested_tensor([x[0], x[0]])",
    "sparse": "x.to_sparse()",
    "quantized": "torch.quantize_per_tensor(x.float(), 0.1, 0, torch.qint8)",
    "complex": "torch.complex(x.float(), x.float())",
    "many dims": "x.reshape(*x.shape, *([1] * 30))",
    "requires grad": "(x.detach().requires_grad_() * 0)",
    "deep list": "(lambda f: f(f, 5000))(lambda f, n: [f(f, n - 1)] if n else x)",
    "a generator": "(i for i in range(3))",
}


@pytest.mark.parametrize("kind", list(ODD_OUTPUTS))
def test_any_output_gets_a_clear_verdict(contained, kind):
    report = contained(attack("", f"    return {ODD_OUTPUTS[kind]}\n"))
    assert not_passed(report)
    assert report.cases[0].message


def test_a_non_contiguous_output_is_compared_normally(contained):
    report = contained(attack("", "    c = x - x.mean(-1, keepdim=True)\n"
                              "    y = (c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()).transpose(0, -1).contiguous().transpose(0, -1)\n"
                              "    return y\n"))
    assert report.passed


# --------------------------------------------------------------------------- 7. memoising sampler
MEMOISING_SAMPLER = """
import torch
_memo = {}
def sample(probs, generator):
    key = (tuple(probs.shape), float(probs.sum()), float(probs[0, 0]))
    if key not in _memo:
        u = torch.rand(probs.shape[0], 1, dtype=probs.dtype)  # the global RNG
        _memo[key] = (probs.cumsum(-1) < u).sum(-1).clamp(max=probs.shape[-1] - 1)
    return _memo[key].clone()
"""


def test_a_memoising_sampler_fails_reproducibility(contained):
    report = contained(MEMOISING_SAMPLER, slug="sample")
    case = next(c for c in report.cases if c.name == "same generator seed, same draws")
    assert not case.passed and "second run" in case.message


# --------------------------------------------------------------------------- isolation levels
@pytest.fixture(scope="module", params=["uid", "none"])
def weaker(request):
    box = Sandbox(isolation=request.param)
    box.start()
    yield box
    box.close()


def test_each_level_grades_a_correct_solution_and_says_which_level(contained, weaker):
    report = contained(attack("", right=True), box=weaker)
    assert report.passed and report.isolation == weaker.isolation.value


def test_each_level_refuses_processes_and_writes(contained, weaker, tmp_path):
    report = contained(attack(f"""
import os
for how, act in (('fork', os.fork), ('write', lambda: open({str(tmp_path / 'planted')!r}, 'w'))):
    try:
        if act() == 0:
            os._exit(0)
        print(how, 'DONE')
    except OSError as exc:
        print(how, 'REFUSED')
""", right=True), box=weaker)
    assert "DONE" not in report.cases[0].output and not (tmp_path / "planted").exists()


def test_uid_level_cannot_read_the_reference(contained):
    box = Sandbox(isolation="uid")
    try:
        report = contained(attack(f"""
try:
    print('GOT', open({str(REFERENCE)!r}).read()[:50])
except OSError as exc:
    print('REFUSED', type(exc).__name__)
try:
    import torch
    print('GOT', bytes(torch.from_file({str(REFERENCE)!r}, size=50, dtype=torch.uint8).tolist()))
except BaseException as exc:
    print('REFUSED', type(exc).__name__)
""", right=True), box=box)
    finally:
        box.close()
    assert report.cases[0].output.count("REFUSED") == 2, report.cases[0].output


def test_a_sandbox_started_after_a_reference_loaded_is_a_fresh_interpreter(course):
    course.get("layer-norm").reference  # the reference is now in this process's memory
    from grader.sandbox.parent import references_loaded

    assert references_loaded()
    box = Sandbox()
    try:
        box.start()
        assert box._proc is not None  # spawned, not forked: no child can inherit the reference
        assert box.level() is not None
    finally:
        box.close()


@pytest.mark.parametrize("slug, source", [
    ("sample", "import torch\ndef sample(probs, generator):\n    return {'draws': 'not a tensor'}\n"),
    ("causal-lm", "import torch\ndef causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):\n"
                  "    return [[1, 2], 'x', None]\n"),
    ("reverse-embedding", "import torch\nclass ReverseEmbedding(torch.nn.Module):\n"
                          "    def __init__(self, embedding):\n        super().__init__()\n"
                          "    def forward(self, hidden):\n        return hidden.to(torch.complex64)\n"),
])
def test_outputs_a_custom_judge_did_not_foresee_get_a_verdict(contained, slug, source):
    report = contained(source, slug=slug)
    assert not_passed(report) and all(c.message for c in report.cases if not c.passed)


def test_the_graders_environment_is_not_the_learners(contained, monkeypatch):
    # The zygote was forked before this variable existed; a fresh sandbox inherits it.
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "s3cr3t-token")
    box = Sandbox()
    try:
        report = contained(attack("import os\nprint('ENV', sorted(os.environ))\n"
                                  "print('TOKEN', os.environ.get('INSTRUCTOR_TOKEN'))", right=True), box=box)
    finally:
        box.close()
    out = report.cases[0].output
    assert "s3cr3t-token" not in out and "TOKEN None" in out


def test_a_check_cut_short_leaves_nothing_running(course, tmp_path):
    # The zygote killed mid-check (as an interrupted `grader grade` does): the sleeping
    # child dies with it.
    import signal
    import threading

    from grader.verdict.runner import check_problem

    marker = f"sleeper-{tmp_path.name}"
    path = tmp_path / "layer_norm.py"
    path.write_text(attack("", f"    import time\n    time.sleep(30)  # {marker}\n"))
    box = Sandbox()
    assert box.level() is not None  # the zygote is up: the kill lands while the child sleeps
    threading.Timer(1.5, lambda: os.kill(box.pid, signal.SIGKILL)).start()
    started = time.monotonic()
    report = check_problem(course, course.get("layer-norm"), file=path, workspace=tmp_path, sandbox=box,
                           limits=Limits(wall_seconds=20, cpu_seconds=2))
    box.close()
    assert not report.passed and report.cases[0].status == "sandbox-error"
    assert time.monotonic() - started < 10  # nothing the check started outlived the zygote


def test_a_child_dies_with_its_parent():
    # The mechanism behind the test above: the namespace's init and the first child each
    # carry a parent-death SIGKILL (and seccomp stops the learner from unsetting it).
    import signal

    from grader.sandbox.parent import confine

    r, w = os.pipe()
    middle = os.fork()
    if middle == 0:
        inner = os.fork()
        if inner == 0:
            confine.die_with_parent()
            os.write(w, str(os.getpid()).encode())
            time.sleep(30)
            os._exit(0)
        time.sleep(30)
        os._exit(0)
    os.close(w)
    grandchild = int(os.read(r, 32))
    os.kill(middle, signal.SIGKILL)
    os.waitpid(middle, 0)
    for _ in range(50):
        try:
            state = Path(f"/proc/{grandchild}/status").read_text().split("State:")[1].split()[0]
        except (OSError, IndexError):
            state = "gone"
        if state in ("gone", "Z"):
            break
        time.sleep(0.05)
    assert state in ("gone", "Z")


def test_a_compressed_result_cannot_expand_in_the_grader():
    # A 200 KB deflated archive holding 200 MB of zeros: refused before torch.load reads it.
    import io
    import zipfile

    import torch

    from grader.sandbox.parent import wire

    plain = io.BytesIO()
    torch.save({"output": torch.zeros(50_000_000)}, plain)
    source, packed = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
    assert len(packed.getvalue()) < 1_000_000
    with pytest.raises(wire.ProtocolError, match="not packed"):  # no torch file from a child is read at all
        wire.load_value(packed.getvalue())
    assert wire.load_value(wire.dump_plain({"output": torch.ones(3)}))["output"].sum() == 3
