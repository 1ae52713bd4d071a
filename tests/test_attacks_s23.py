"""Red team, session 23: new attacks a determined learner could submit, at the namespaces
level and at the uid level (what a container gets: no user namespaces).

Every attack is a layer-norm file (or a sample file) that returns a WRONG answer unless
the attack works, graded the way `grader check` grades, with the static scan switched
off (`unscanned`) for the attacks on the sandbox (what is tested is the kernel's wall and
a parent that trusts nothing) and on for the attacks on the banned-API policy (the scan
is the first net there). An attack is contained when: the verdict is no pass, nothing of
the hidden reference or the grader's environment shows up in the report, nothing was
written outside the child, the grader's own stdout is clean, and the report as a
terminal shows it (rendered with colours, as `grader check` does) carries no escape
sequence, control character or markup of the learner's making.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path

import pytest
from rich.console import Console

from conftest import REPO
from grader.sandbox.parent import Limits, Sandbox
from grader.verdict.report import render, to_json

FAST = Limits(wall_seconds=4, cpu_seconds=2, memory_mb=1024, check_seconds=20)
REFERENCE = REPO / "reference" / "layer_norm.py"
SENTINEL = next(line.strip() for line in REFERENCE.read_text().splitlines() if "def cases" in line)
PLANTED = Path("/tmp/gatk-left-s23")  # an attack that writes outside the child writes here
FORGED = "FORGED-VERDICT"
RIGHT = """
    c = x - x.mean(-1, keepdim=True)
    return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
"""


def attack(prelude: str, body: str = "", right: bool = False) -> str:
    tail = RIGHT if right else "    return x * 0\n"
    return "import torch\n" + prelude + "\ndef layer_norm(x, eps=1e-5):\n" + body + tail


@pytest.fixture(scope="module", params=["namespaces", "uid"])
def box(request):
    sandbox = Sandbox(isolation=request.param)
    sandbox.start()
    if sandbox.level() is None:
        sandbox.close()
        pytest.skip(f"the {request.param} level is not available here: {sandbox.error}")
    yield sandbox
    sandbox.close()


@pytest.fixture
def unscanned(monkeypatch):
    import grader.verdict.runner as runner

    monkeypatch.setattr(runner, "scan_file", lambda *a, **k: ([], None))
    monkeypatch.setattr(runner, "scan_source", lambda *a, **k: ([], None))


def terminal_text(report) -> str:
    """The report as `grader check` draws it on a colour terminal, escape codes and all."""
    sink = io.StringIO()
    render(report, Console(file=sink, force_terminal=True, color_system="truecolor", width=120), verbose=True)
    return sink.getvalue()


_RICH_SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colours rich itself writes
_LEARNER_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def assert_clean_terminal(report, learner_text: str = "") -> None:
    drawn = _RICH_SGR.sub("", terminal_text(report))
    drawn = re.sub(r"\x1b\]8;[^\x1b]*\x1b\\", "", drawn)  # rich's own hyperlinks, if any
    bad = sorted({hex(ord(c)) for c in _LEARNER_CONTROL.findall(drawn)} - {"0xa"})
    assert not bad, f"the terminal report carries control characters {bad}"
    if "[bold green]" in learner_text:  # markup shows as the learner wrote it: never as style
        assert "[bold green]" in drawn, "the learner's markup was interpreted"


@pytest.fixture
def graded(tmp_path, course, capfd):
    """run(source, box, slug=...) -> report, asserting containment around it."""
    state = tmp_path / ".grader" / "state.json"
    state.parent.mkdir()
    state.write_text('{"solved": []}')
    PLANTED.unlink(missing_ok=True)

    def run(source: str, box: Sandbox, slug: str = "layer-norm", limits: Limits = FAST, files: dict | None = None,
            right: bool = False):
        from grader.verdict.runner import check_problem

        problem = course.get(slug)
        for name, text in (files or {}).items():
            (tmp_path / name).write_text(text)
        path = tmp_path / f"{problem.module_name}.py"
        path.write_text(source)
        started = time.monotonic()
        report = check_problem(course, problem, file=path, workspace=tmp_path, sandbox=box, limits=limits,
                               localise=False)
        report.elapsed_for_test = time.monotonic() - started
        out = capfd.readouterr().out
        assert "PASSED" not in out and '"passed": true' not in out, "something wrote to the grader's stdout"
        assert state.read_text() == '{"solved": []}', "the workspace state changed"
        text = to_json(report)
        assert SENTINEL not in text, "the hidden reference leaked into the report"
        assert not PLANTED.exists(), "the child wrote outside itself"
        if not right:  # a right answer (an attack probing the walls) may pass; a wrong one never
            assert not report.passed and report.score < 1.0, "a forged pass"
        return report

    yield run
    PLANTED.unlink(missing_ok=True)


def output(report) -> str:
    return "\n".join(c.output for c in report.cases)


# =========================================================================== A. secrets through /proc
def test_proc_of_other_processes_is_closed(graded, unscanned, box):
    """The supervisor's and the grader's /proc entries (argv with --seed, environ, maps, fds,
    their mem) are out of reach: by the private /proc (namespaces) or Landlock (uid)."""
    report = graded(attack("""
import os
found = []
for pid in {os.getppid(), 1, os.getpgrp(), os.getpid() - 1, os.getpid() + 1} - {os.getpid(), 0}:
    for what in ('cmdline', 'environ', 'maps', 'fd', 'mem', 'root/etc/hostname', 'cwd'):
        try:
            p = f'/proc/{pid}/{what}'
            data = os.listdir(p) if what in ('fd', 'cwd') else open(p, 'rb').read(64)
            found.append(f'{pid}/{what}')
        except OSError:
            pass
print('OTHERS', found)
""", right=True), box, right=True)
    assert "OTHERS []" in output(report), output(report)


def test_proc_sys_and_the_file_system_tell_nothing_of_the_machine(graded, unscanned, box):
    """No secret file, no other user's home, no machine name: at the namespaces level the new
    root holds only the directories leading to the Python installation (and the UTS
    namespace its own name), at the uid level Landlock refuses the rest."""
    report = graded(attack("""
import os, socket
seen = []
for path in ('/proc/net/tcp', '/etc/hostname', '/etc/shadow', '/root/.bash_history',
             '/home', '/work/main', '/work/HELPERS_COMMON.md', '/var/log', '/run'):
    try:
        seen.append((path, len(os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(4096))))
    except OSError:
        pass
print('SEEN', [p for p, n in seen if n and p != '/proc/net/tcp'])
print('NAME', socket.gethostname(), os.uname().nodename)
""", right=True), box, right=True)
    lines = output(report)
    assert "SEEN []" in lines, lines
    if box.isolation.value == "namespaces":  # the uid level has no namespace of its own: uname is the machine's
        assert "NAME sandbox sandbox" in lines, lines


# =========================================================================== B. inherited fds, environment
def test_environment_holds_nothing_of_the_grader(graded, unscanned, box):
    report = graded(attack("import os\nprint('ENV', sorted(os.environ))", right=True), box, right=True)
    line = next(l for l in output(report).splitlines() if l.startswith("ENV"))
    names = set(eval(line[4:]))
    assert names <= {"PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                     "HOME"}, names


def test_reopening_descriptors_through_proc_reaches_only_the_childs_pipes(graded, unscanned, box):
    """/proc/self/fd/N reopens the child's own pipes (the kernel allows a process its own),
    never a file or directory the trusted phase had open: only its own frames flow there."""
    report = graded(attack("""
import os
got = []
for fd in range(3, 64):
    try:
        r = os.open(f'/proc/self/fd/{fd}', os.O_RDONLY | os.O_NONBLOCK)
        got.append(os.readlink(f'/proc/self/fd/{r}').split(':')[0])
        os.close(r)
    except OSError:
        pass
print('REOPENED', sorted(set(got)))
""", right=True), box, right=True)
    assert "REOPENED []" in output(report) or "REOPENED ['pipe']" in output(report), output(report)


# =========================================================================== C. shared memory, files
def test_no_shared_memory_or_anonymous_files(graded, unscanned, box):
    """POSIX shm, SysV shm and memfd: nothing that outlives the child or escapes its limits."""
    report = graded(attack("""
import os, ctypes
made = []
try:
    from multiprocessing import shared_memory
    s = shared_memory.SharedMemory(name='gatk-shm', create=True, size=4096)
    made.append('posix-shm'); s.unlink()
except Exception:
    pass
libc = ctypes.CDLL(None, use_errno=True)
if libc.shmget(0x6a7c, 4096, 0o1666) >= 0:
    made.append('sysv-shm')
try:
    fd = os.memfd_create('gatk')
    made.append('memfd')
except OSError:
    pass
print('MADE', made)
""", right=True), box, right=True)
    assert "MADE []" in output(report), output(report)


def test_no_file_written_anywhere_the_grader_reads(graded, unscanned, box, tmp_path):
    report = graded(attack(f"""
import os
wrote = []
for path in ({str(PLANTED)!r}, {str(tmp_path / 'layer_norm.py')!r}, {str(tmp_path / '.grader' / 'state.json')!r},
             os.path.expanduser('~/gatk-left-home'), '/dev/shm/gatk-left-shm', '/var/tmp/gatk-left-var'):
    for flags in (os.O_WRONLY | os.O_CREAT, os.O_WRONLY | os.O_TMPFILE):
        try:
            fd = os.open(path if flags & os.O_CREAT else os.path.dirname(path), flags, 0o600)
            os.write(fd, b'x'); os.close(fd); wrote.append(path)
        except OSError:
            pass
print('WROTE', wrote)
"""), box)
    assert "WROTE []" in output(report) or "WROTE ['/tmp" in output(report) and box.isolation.value == "namespaces"


def test_a_library_main_imported_before_the_uid_drop_changes_nothing(graded, unscanned, box):
    """At the uid level the child imports, as root and before dropping its uid, the library
    modules the learner's file names (the installation may be unreadable to the uid).
    `venv.__main__` runs venv's command line at import (no `__name__` guard): with the
    zygote's argv it builds a virtual environment at /<fd> and runs ensurepip, as root.
    The kernel's walls must already stand when any library code the learner picked runs."""
    before = set(os.listdir("/"))
    report = graded("import venv.__main__\nimport lib2to3.__main__\nimport torch\n"
                    "def layer_norm(x, eps=1e-5):\n    return x * 0\n", box)
    made = set(os.listdir("/")) - before
    for name in made:  # an attack that got through: undo it before failing
        import shutil

        shutil.rmtree(os.path.join("/", name), ignore_errors=True)
    assert not made, f"the check created {sorted(made)} at the root of the machine"
    assert report.cases[0].status != "ok" or not report.passed


# =========================================================================== D. the wire
def _frame(header: dict, payload: bytes = b"") -> str:
    return f"""
    import os, json, struct
    head = json.dumps({header!r}).encode()
    body = {payload!r}
    frame = struct.pack('!I', len(head)) + head + struct.pack('!Q', len(body)) + body
"""


RESULT_FD = """
    fds = [int(f) for f in os.listdir('/proc/self/fd') if int(f) > 2]
    for fd in fds:
        try:
            os.write(fd, frame)
        except OSError:
            pass
"""


def test_forged_violation_cannot_draw_on_the_terminal(graded, unscanned, box):
    """A forged result frame whose `violations` carry rich markup and escape sequences: the
    report shows them as text, never as a verdict drawn over the real one."""
    evil = f"\x1b[2J\x1b[H\x1b[1;32m{FORGED}: all cases passed\x9b2J[bold green]{FORGED}[/]"
    header = {"event": "result", "case": 0, "status": "exception", "message": "x", "traceback": "",
              "violations": [{"api": evil, "file": evil, "line": 1, "how": evil, "kind": "banned"}]}
    report = graded(attack("", _frame(header) + RESULT_FD + "    raise SystemExit(0)\n"), box)
    assert_clean_terminal(report, evil)


def test_forged_message_with_c1_controls_and_bidi(graded, unscanned, box):
    """8-bit CSI (U+009B), the line and paragraph separators and the bidi marks are control
    characters a terminal may act on: the message shows them as replacement marks."""
    report = graded(attack("", f"    raise ValueError('\\x9b2J\\x9bH{FORGED}\\u2028\\u200f\\u061c\\u2067ok')\n"), box)
    assert_clean_terminal(report)


def test_printed_output_cannot_draw_a_verdict(graded, unscanned, box):
    report = graded(attack(f"print('\\x9b2J\\x9bH\\x1b]0;{FORGED}\\x07\\x1bP{FORGED}\\x1b\\\\\\u2028\\ufeff')", right=False), box)
    assert_clean_terminal(report)


def test_a_type_name_cannot_draw_on_the_terminal(graded, unscanned, box):
    """The child names an object it cannot send by its type's name, which the learner chose."""
    report = graded(attack(f"Evil = type('\\x1b[2J\\x1b[H{FORGED}\\x9b[bold green]{FORGED}[/]', (), {{}})",
                           "    return Evil()\n"), box)
    assert_clean_terminal(report)


def test_a_returned_string_cannot_draw_on_the_terminal(graded, unscanned, box):
    report = graded(attack("", f"    return '\\x1b[2J\\x1b[H{FORGED}\\x9b2J'\n"), box)
    assert_clean_terminal(report)


def test_frames_after_the_last_result_and_then_a_hang(graded, unscanned, box):
    """The last case forges its own result frame then hangs: the wall clock ends it, and a
    frame past the case count is bad output, not a pass."""
    header = {"event": "result", "case": 99, "status": "ok", "message": "", "violations": []}
    report = graded(attack("", _frame(header) + RESULT_FD + "    import time\n    [time.sleep(1) for _ in range(30)]\n"),
                    box)
    assert report.elapsed_for_test < 30


def test_a_partial_frame_then_exit(graded, unscanned, box):
    header = {"event": "result", "case": 0, "status": "ok"}
    report = graded(attack("", _frame(header, b"PK\x03\x04" + b"\0" * 100)
                           + "    frame = frame[:-50]\n" + RESULT_FD + "    os._exit(0)\n"), box)
    assert report.cases[0].status != "ok"


def test_a_pickle_payload_runs_no_code_in_the_grader(graded, unscanned, box):
    """A result payload that is a pickle (or a torch zip whose pickle calls os.system): the
    grader loads with weights_only, after checking the archive; nothing runs."""
    report = graded(attack(f"""
import io, os, pickle, zipfile
class Boom:
    def __reduce__(self):
        return (os.system, ('touch {PLANTED}',))
raw = pickle.dumps({{'output': Boom()}}, protocol=2)
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
    z.writestr('archive/data.pkl', raw)
    z.writestr('archive/version', '3\\n')
    z.writestr('archive/byteorder', 'little')
PAYLOAD = buf.getvalue()
""", _frame({"event": "result", "case": 0, "status": "ok", "violations": []}).replace("body = b''", "body = PAYLOAD")
        + RESULT_FD + "    os._exit(0)\n"), box)
    assert report.cases[0].status != "ok" or not report.cases[0].passed


def test_an_oversized_header_claim_is_bad_output_not_a_hang(graded, unscanned, box):
    report = graded(attack("", """
    import os, struct
    for fd in (3, 4, 5, 6):
        try:
            os.write(fd, struct.pack('!I', (1 << 32) - 1) + b'{' * 60000)
        except OSError:
            pass
"""), box)
    assert report.elapsed_for_test < 30


def test_an_exit_status_that_names_no_signal_is_a_verdict_not_a_hang(graded, unscanned, box):
    """os._exit(250): the supervisor read it as "killed by signal 122", failed to name that
    signal and died without a reply; the grader waited for one forever."""
    report = graded(attack("import os", "    os._exit(250)\n"), box)
    assert report.cases[0].status == "exited" and "250" in report.cases[0].message
    assert report.elapsed_for_test < 60


def test_a_forged_case_marker_with_a_huge_index_is_output_not_a_crash(graded, unscanned, box):
    """The case markers on stdout carry a secret token, which the child holds: a marker with
    a 5000-digit index made the supervisor's int() raise, and the grader hang."""
    report = graded(attack("""
import gc, os
def _marker():
    return next(o.marker for o in gc.get_objects() if type(o).__name__ == '_Reporter')
""", "    os.write(1, ('\\x1egrader-case-' + _marker() + ':' + '9' * 5000 + '\\n').encode())\n"), box)
    assert report.elapsed_for_test < 60
    assert report.cases[0].status in ("ok", "exception")


# =========================================================================== E. what is returned
def test_a_tensor_subclass_lying_in_eq_and_torch_function(graded, unscanned, box):
    report = graded(attack("""
class Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True
    def __eq__(self, other):
        return True
    def __array__(self, *a, **k):
        raise SystemExit
    def __reduce_ex__(self, proto):
        return (os.system, ('touch /tmp/gatk-left-s23',))
import os
""", "    return torch.zeros_like(x).as_subclass(Liar)\n"), box)
    assert report.cases[0].status != "ok" or not report.cases[0].passed


def test_parameter_with_hooks_and_grad(graded, unscanned, box):
    report = graded(attack("", """
    p = torch.nn.Parameter(torch.zeros_like(x))
    p.register_hook(lambda g: os.system('touch /tmp/gatk-left-s23'))
    import os
    return p * 1
"""), box)
    assert not report.passed


@pytest.mark.parametrize("make", [
    "torch.zeros_like(x).to_sparse()", "torch.zeros_like(x, device='meta')",
    "torch.quantize_per_tensor(torch.zeros_like(x), 0.1, 0, torch.quint8)",
    "torch.zeros(1).expand(*x.shape)", "torch.zeros(1).as_strided(x.shape, [0] * x.dim())",
    "torch.zeros_like(x).to(torch.float8_e4m3fn)", "torch.zeros(x.shape[-1], *x.shape[:-1]).mT if x.dim() == 2 else x * 0",
    "torch.nested.nested_tensor([x.reshape(-1) * 0])",
])
def test_unusual_tensors_are_judged_not_trusted(graded, unscanned, box, make):
    report = graded(attack("", f"    return {make}\n"), box)
    assert not report.passed


def test_a_broadcastable_answer_is_not_a_pass(graded, unscanned, box):
    """A scalar (or shape-(1,)) answer that broadcasts against anything: the shape is checked."""
    report = graded(attack("", "    return torch.zeros(()) if x.numel() < 8 else torch.zeros(1)\n"), box)
    assert not report.passed


# =========================================================================== F. limits
def test_threads_forks_and_signals_are_refused(graded, unscanned, box):
    report = graded(attack("""
import os, signal, threading, ctypes
did = []
for how, act in (('thread', lambda: threading.Thread(target=lambda: None).start()),
                 ('fork', os.fork), ('kill-parent', lambda: os.kill(os.getppid(), signal.SIGSTOP)),
                 ('kill-group', lambda: os.killpg(0, signal.SIGCONT)), ('kill-all', lambda: os.kill(-1, signal.SIGCONT)),
                 ('setsid', os.setsid), ('nice', lambda: os.setpriority(os.PRIO_PROCESS, 0, -5)),
                 ('rlimit', lambda: __import__('resource').setrlimit(__import__('resource').RLIMIT_AS, (-1, -1)))):
    try:
        r = act()
        if r == 0:
            os._exit(0)
        did.append(how)
    except (OSError, RuntimeError, ValueError):
        pass
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(16, os.getppid(), 0, 0) == 0:
    did.append('ptrace')
if libc.syscall(62, os.getppid(), 19) == 0:
    did.append('raw-kill')
print('DID', did)
""", right=True), box, right=True)
    assert "DID []" in output(report), output(report)


def test_memory_outside_the_address_space_limit(graded, unscanned, box):
    """mmap of a huge anonymous region or a file-backed one: the address-space limit holds."""
    report = graded(attack("""
import mmap
try:
    m = mmap.mmap(-1, 8 << 30)
    m[-1] = 1
    print('MAPPED 8G')
except (OSError, MemoryError, OverflowError, ValueError):
    print('REFUSED')
""", right=True), box, right=True)
    assert "MAPPED" not in output(report), output(report)


def test_a_core_dump_or_abort_is_a_crash_not_a_file(graded, unscanned, box):
    report = graded(attack("import os", "    os.abort()\n"), box)
    assert report.cases[0].status in ("crashed", "exited")
    assert not Path("/core").exists()


# =========================================================================== F2. the guard, when the grader holds the stack
FINALIZER_STASH = """
import gc
STASH, DONE = {}, []

class Later:
    def __del__(self):
        import torch.nn.functional as F
        for o in gc.get_objects():
            if type(o) is dict and type(o.get('x')) is torch.Tensor:
                x = o['x']
                STASH[(tuple(x.shape), float(x.sum()))] = F.layer_norm(x, x.shape[-1:], eps=o.get('eps', 1e-5))
"""


def test_a_banned_call_in_a_finalizer_the_grader_triggers_is_caught(graded, unscanned, box):
    """The first case's output carries an object whose `__del__` runs when the grader drops
    the output (after the call, outside a per-call guard): it computes every other case
    with the banned function, and the later cases only look their answer up."""
    report = graded(attack(FINALIZER_STASH, """
    key = (tuple(x.shape), float(x.sum()))
    if key in STASH:
        return STASH[key].clone()
    if DONE:
        return x * 0
    DONE.append(1)
    c = x - x.mean(-1, keepdim=True)
    out = c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
    out.later = Later()
    return out
"""), box)
    assert not report.passed


def test_a_banned_call_in_a_signal_handler_is_caught(graded, unscanned, box):
    """A timer's handler runs wherever the interpreter is, the grader's own code included."""
    report = graded(attack(FINALIZER_STASH + """
import signal
def _tick(*_):
    Later().__del__()
signal.signal(signal.SIGALRM, _tick)
signal.setitimer(signal.ITIMER_REAL, 0.002, 0.002)
""", """
    key = (tuple(x.shape), float(x.sum()))
    for _ in range(200):
        if key in STASH:
            signal.setitimer(signal.ITIMER_REAL, 0)
            return STASH[key].clone()
        sum(range(2000))
    return x * 0
"""), box)
    assert not report.passed


def test_a_banned_call_in_a_handler_is_a_violation_wherever_the_signal_lands(graded, unscanned, box):
    """Right answers, and a timer whose handler calls the banned function: wherever the
    signal lands (the learner's code, torch's own Python while a guard mode runs, the
    grader's loop between cases), the check fails with that violation, never a
    sandbox-error from the exception landing in the grader's machinery."""
    report = graded(attack("""
import signal
import torch.nn.functional as F
def _tick(*_):
    F.layer_norm(torch.ones(2, 4), (4,))
signal.signal(signal.SIGALRM, _tick)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
""", """
    for _ in range(50):
        sum(range(2000))
        (x + 1).sum()
""", right=True), box, right=True)
    assert not report.passed and report.violations
    assert any(v.api.endswith("layer_norm") for v in report.violations)
    assert all(c.status.value != "sandbox-error" for c in report.cases), [c.status for c in report.cases]


def test_a_banned_call_in_a_finalizer_a_collection_runs_is_caught(graded, unscanned, box):
    """Cyclic garbage whose `__del__` calls the banned function: a collection starts at an
    allocation, most often a tensor made inside one of the guard's own mode handlers, where
    torch has popped that mode; every such call went unseen."""
    report = graded(attack("""
import torch.nn.functional as F
class Cycle:
    def __init__(self):
        self.me = self
    def __del__(self):
        F.layer_norm(torch.ones(2, 4), (4,))
""", """
    for _ in range(400):
        Cycle()
        x + 1
""", right=True), box, right=True)
    assert not report.passed and report.violations
    assert any(v.api.endswith("layer_norm") for v in report.violations)


def test_a_handler_raising_never_breaks_the_graders_loop(graded, unscanned, box):
    """A handler that raises every millisecond: in the learner's code the exception is the
    learner's (an 'exception' case); it never lands in the grader's loop as a sandbox-error."""
    report = graded(attack("""
import signal
def _tick(*_):
    raise KeyboardInterrupt("tick")
signal.signal(signal.SIGALRM, _tick)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
""", """
    for _ in range(20):
        (x + 1).sum()
""", right=True), box, right=True)
    statuses = [c.status.value for c in report.cases]
    assert "sandbox-error" not in statuses and report.error is None, (statuses, report.error)


def test_a_banned_call_in_a_replaced_stdout_is_a_violation_not_a_sandbox_error(graded, unscanned, box):
    """The learner's own sys.stdout, whose flush calls the banned function: the grader's
    reporter flushes the stream it installed, so the learner's flush runs only where the
    learner calls it, and there the guard sees it."""
    report = graded(attack("""
import sys
import torch.nn.functional as F
class Out:
    def write(self, text):
        return len(text)
    def flush(self):
        F.layer_norm(torch.ones(2, 4), (4,))
sys.stdout = Out()
""", """
    sys.stdout.flush()
""", right=True), box, right=True)
    assert not report.passed and report.violations
    assert all(c.status.value != "sandbox-error" for c in report.cases), [c.status for c in report.cases]


def test_modes_popped_in_one_case_are_back_for_the_next(graded, unscanned, box):
    """The first case pops the guard's modes off torch's stacks and answers honestly; the
    later cases call the banned function, expecting no mode left to see it."""
    report = graded(attack("""
import torch.nn.functional as F
POPPED = []
""", """
    if not POPPED:
        POPPED.append((torch._C._pop_torch_function_stack(), torch._C._pop_torch_dispatch_stack()))
        c = x - x.mean(-1, keepdim=True)
        return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
    return F.layer_norm(x, x.shape[-1:], eps=eps)
"""), box)
    assert not report.passed


# =========================================================================== G. banned API, indirectly (the scan on)
INDIRECT = {
    "ops_aten_built_name": "    op = getattr(torch.ops.aten, 'native_' + 'layer' + '_norm')\n"
                           "    return op(x, [x.shape[-1]], None, None, eps)[0]\n",
    "torch_C_variable_functions": "    f = getattr(torch._C._VariableFunctions, ''.join(['layer', '_', 'norm']))\n"
                                  "    return f(x, [x.shape[-1]], None, None, eps, False)\n",
    "vars_of_functional": "    import torch.nn.functional as F\n    return vars(F)['layer' + '_norm'](x, x.shape[-1:], eps=eps)\n",
    "importlib_at_run_time": "    import importlib\n    m = importlib.import_module('torch.nn.' + 'functional')\n"
                             "    return getattr(m, 'layer_' + 'norm')(x, x.shape[-1:], eps=eps)\n",
    "exec_rot13": "    import codecs\n    ns = {'torch': torch, 'x': x, 'eps': eps}\n"
                  "    exec(codecs.decode('bhg = gbepu.ynlre_abez(k, k.funcr[-1:], rcf=rcf)', 'rot13'), ns)\n"
                  "    return ns['out']\n",
    "builtins_eval": "    ev = __builtins__['ev' + 'al'] if isinstance(__builtins__, dict) else getattr(__builtins__, 'ev' + 'al')\n"
                     "    return ev('torch.nn.functional.layer_norm')(x, x.shape[-1:], eps=eps)\n",
    "pickle_global": "    import pickle\n    f = pickle.loads(b'ctorch.nn.functional\\nlayer_norm\\n.')\n"
                     "    return f(x, x.shape[-1:], eps=eps)\n",
    "marshal_code": "    import marshal, types\n"
                    "    code = compile('lambda x, eps: __import__(\"torch\").nn.functional.layer_norm(x, x.shape[-1:], eps=eps)',"
                    " 'f', 'eval')\n    f = eval(marshal.loads(marshal.dumps(code)))\n    return f(x, eps)\n",
    "metaclass_call": "    class M(type):\n        def __call__(cls, *a):\n"
                      "            return getattr(__import__('torch').nn, 'Layer' + 'Norm')(a[0].shape[-1], eps=a[1], "
                      "elementwise_affine=False)(a[0])\n    class K(metaclass=M):\n        pass\n    return K(x, eps)\n",
    "decorator_swap": "    import functools\n    @functools.partial(getattr, torch.nn.functional)\n"
                      "    def layer_norm():\n        pass\n    return torch.nn.functional.__dict__['layer_norm'](x, x.shape[-1:], eps=eps)\n",
    "reduce_getattr": "    import functools, operator\n"
                      "    f = functools.reduce(getattr, ['nn', 'functional', 'layer_norm'], torch)\n"
                      "    return f(x, x.shape[-1:], eps=eps)\n",
    "attrgetter": "    import operator\n    return operator.attrgetter('nn.functional.group_norm')(torch)(x.reshape(-1, 1, x.shape[-1]), 1, eps=eps).reshape(x.shape)\n",
    "tensor_method_via_dict": "    return torch.Tensor.__dict__.get('layer_norm', torch.nn.functional.__dict__['layer_norm'])(x, x.shape[-1:], eps=eps)\n",
}


@pytest.fixture(scope="module")
def default_box():
    sandbox = Sandbox()
    sandbox.start()
    yield sandbox
    sandbox.close()


@pytest.mark.parametrize("name", sorted(INDIRECT))
def test_banned_layer_norm_reached_indirectly_is_caught(graded, default_box, name):
    from grader.verdict.runner import check_problem  # noqa: F401  (graded uses it)

    source = "import torch\n\ndef layer_norm(x, eps=1e-5):\n" + INDIRECT[name]
    try:
        report = graded(source, default_box)
    except AssertionError as exc:
        if "a forged pass" in str(exc):
            pytest.fail(f"{name}: the banned call went unreported")
        raise
    assert report.violations or report.error or report.cases[0].status != "ok", name


def test_the_grader_waits_for_a_reply_no_longer_than_the_budget_and_a_grace(monkeypatch):
    """The last net under "the grader never hangs": a zygote that says nothing (a bug to come)
    costs the check's budget plus a grace, then the sandbox is restarted."""
    import grader.sandbox.parent as parent
    from grader.sandbox.parent import Budget, Job, JobCase

    monkeypatch.setattr(parent, "REPLY_GRACE_SECONDS", 0.2)
    job = Job(entry="f", module_name="m", cases=[JobCase({})], budget=Budget.start(0.1))
    read_end, write_end = os.pipe()
    try:
        started = time.monotonic()
        assert not parent._reply_within(read_end, job)
        assert 0.25 <= time.monotonic() - started < 5
        os.write(write_end, b"x")
        assert parent._reply_within(read_end, job)
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.mark.parametrize("body", ["    os._exit(250)\n", "    os.write(1, ('\\x1egrader-case-' + _marker() + ':' + '9' * 5000 + "
                                  "'\\n').encode())\n"])
def test_the_spawn_start_method_reads_the_child_as_defensively(graded, unscanned, monkeypatch, body):
    """The spawn start method (macOS, Windows, GRADER_START_METHOD=spawn) describes the child
    in the grader's own process: the same inputs must give a verdict there, not a crash."""
    monkeypatch.setenv("GRADER_START_METHOD", "spawn")
    spawned = Sandbox()
    try:
        report = graded(attack("""
import gc, os
def _marker():
    return next((o.marker for o in gc.get_objects() if type(o).__name__ == '_Reporter'), 'none')
""", body), spawned, limits=Limits(wall_seconds=30, cpu_seconds=5, memory_mb=1024, check_seconds=60))
    finally:
        spawned.close()
    assert report.cases[0].status in ("exited", "ok", "exception")
