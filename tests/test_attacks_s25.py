"""Red team, session 25: attacks written by reading the sandbox after the scale round (the
zygote keeps a class's decoded cases, results come back packed, learner text goes
through one `printable`), at the namespaces level and at the uid level (a container's).

Same harness as tests/test_attacks_s23.py and tests/test_attacks_s24.py (their fixtures
are reused): each attack is a learner file graded the way `grader check` grades it, the
static scan on where the attack is meant to work against the real grader, and off
(`unscanned`) where what is tested is the kernel's wall or a second net. Each test says
its goal: a forged pass or verdict, a banned call unseen, the grader or the instructor's
commands crashed or exhausted, one learner's check reaching the next one's.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import time
from pathlib import Path

import pytest

from test_attacks_s23 import (  # noqa: F401  (fixtures)
    FAST, FORGED, RIGHT, attack, box, graded, output, unscanned,
)
from grader.sandbox.parent import Sandbox
from grader.sandbox.status import Status

MiB = 1024 * 1024

# Learner code (at import) that can write frames on the child's result pipe: the only
# descriptor above 2 a confined child keeps. `_frame` is the wire format, read from the
# grader's docs (a 4-byte header length, JSON, an 8-byte payload length, the payload).
SEND = """
import json as _json, os as _os, struct as _struct

def _frame(header, payload=b''):
    head = _json.dumps(header).encode()
    return _struct.pack('!I', len(head)) + head + _struct.pack('!Q', len(payload)) + payload

def _send(data):
    for fd in range(3, 64):
        try:
            view = memoryview(data)
            while view:
                view = view[_os.write(fd, view):]
        except OSError:
            pass

def _packed(value, layout, blob=b''):
    text = _json.dumps({'v': value, 't': layout}).encode()
    head = b'GRPK1\\n' + _struct.pack('!Q', len(text)) + text
    return head + b'\\0' * (-len(head) % 16) + blob

CALLS = []
"""


def forged_results(count_expr: str, header: str, payload: str = "b''") -> str:
    """A layer-norm body that, on its first call, writes a result frame for every case
    (`header` and `payload` are Python expressions of `i`, the case) and leaves."""
    return f"""    CALLS.append(1)
    if len(CALLS) == 1:
        for i in range({count_expr}):
            _send(_frame({header}, {payload}))
        _os._exit(0)
"""


def n_cases(course, slug: str = "layer-norm") -> int:
    from grader.verdict.execute import load_cases

    return len(load_cases(course.get(slug), 0))


def not_the_sandboxes_fault(report) -> None:
    """What the learner's child sent is judged as the learner's output: never a sandbox
    error (which reads as the grader's failure, and restarts its zygote)."""
    statuses = [str(c.status) for c in report.cases]
    assert report.error_kind != "sandbox-error" and "sandbox-error" not in statuses, (report.error, statuses)
    assert not report.passed


# =========================================================================== A. learner text that breaks the grader's output
SURROGATE = "\\ud800"  # a lone surrogate: a Python str may hold one, no UTF-8 stream can write it


def strict_terminal_render(report) -> None:
    """The report drawn as `grader check` draws it, on a UTF-8 terminal that refuses what it
    cannot encode (sys.stdout's default)."""
    from rich.console import Console

    from grader.verdict.report import render

    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    render(report, Console(file=stream, force_terminal=True, width=120), verbose=True)
    stream.flush()


def test_scan_on_a_lone_surrogate_in_an_exception_cannot_crash_the_report(graded, box):
    """An exception message is learner text: `raise ValueError('\\ud800')` is scan-clean,
    and the report printing it must not die on the terminal's encoder."""
    report = graded(attack("", f"    raise ValueError('{FORGED}{SURROGATE}')\n"), box)
    strict_terminal_render(report)


def test_scan_on_a_lone_surrogate_in_an_import_error_cannot_crash_grade(graded, box, tmp_path):
    """`grader grade` records each learner's error text in the gradebook (sqlite, UTF-8): a
    surrogate in one learner's import error must not stop the class's grading."""
    from grader.instructor.gradebook import Gradebook

    report = graded(attack(f"raise ImportError('{FORGED}{SURROGATE}')\n"), box)
    book = Gradebook(tmp_path / "book.sqlite")
    book.record("alice", "layer-norm", report, file="layer_norm.py", sha256="0")
    book.export_csv(tmp_path / "out.csv")
    (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_a_learner_folder_named_with_undecodable_bytes_cannot_crash_grade(tmp_path, course):
    """An extracted archive may name a folder with bytes that are no UTF-8 (a learner's
    display name in another encoding): the class is still graded and exported."""
    from grader.instructor.batch import find_submissions
    from grader.instructor.gradebook import Gradebook

    root = tmp_path / "class"
    root.mkdir()
    os.mkdir(os.path.join(os.fsencode(root), b"b\xffb"))
    (root / "alice").mkdir()
    (root / "alice" / "layer_norm.py").write_text("def layer_norm(x, eps=1e-5):\n    return x\n")
    found = find_submissions(root, course, ["layer-norm"])
    book = Gradebook(tmp_path / "book.sqlite")
    for sub in found.submissions:
        book.record(sub.learner, sub.slug, None, seed=1, verdict="missing", error="no file")
    book.export_csv(tmp_path / "out.csv")
    (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_a_surrogate_in_a_forged_violation_cannot_crash_the_report(graded, unscanned, box):
    """The child's violation frames are its own text: a surrogate there too."""
    body = """    CALLS.append(1)
    if len(CALLS) == 1:
        _send(_frame({'event': 'violation', 'api': 'x\\ud800', 'file': 'f\\udcff', 'line': 1, 'how': 'h\\ud800',
                      'kind': 'banned'}))
"""
    report = graded(attack(SEND, body), box)
    strict_terminal_render(report)


# =========================================================================== B. exhausting the supervisor and the grader
def test_huge_forged_tracebacks_are_the_learners_output_not_a_sandbox_error(graded, unscanned, box, course):
    """Every case's result header carries a 3 MiB traceback (each frame is under the 4 MiB
    header cap): the supervisor passes them on, the reply's header is over the cap, and the
    grader reads a sandbox error and kills the zygote every learner of a class shares."""
    before = box.pid
    body = forged_results(n_cases(course), "{'event': 'result', 'case': i, 'status': 'exception', "
                          "'message': 'm' * 2000, 'traceback': 'T' * (3 << 20)}")
    report = graded(attack(SEND, body), box)
    not_the_sandboxes_fault(report)
    assert box.pid == before, "the zygote was restarted"


def test_a_flood_of_huge_violation_frames_is_a_verdict_not_a_sandbox_error(graded, unscanned, box):
    """100 violation frames of 1 MiB each: the supervisor keeps them all and forwards them in
    one reply header, far over the grader's header cap."""
    before = box.pid
    body = """    CALLS.append(1)
    if len(CALLS) == 1:
        for i in range(100):
            _send(_frame({'event': 'violation', 'api': 'torch.nn.functional.layer_norm', 'file': 'layer_norm.py',
                          'line': i, 'how': 'H' * (1 << 20), 'kind': 'banned'}))
"""
    report = graded(attack(SEND, body), box)
    assert report.violations and report.score == 0.0  # the learner's own claims count against them
    not_the_sandboxes_fault(report)
    assert box.pid == before, "the zygote was restarted"


def test_a_packed_tensor_whose_shape_overflows_is_bad_output(graded, unscanned, box, course):
    """A packed result claiming a (2**70, 0) tensor: no bytes, so every size check passes,
    and torch refuses the shape with a TypeError the grader read as its own failure."""
    body = forged_results(n_cases(course), "{'event': 'result', 'case': i, 'status': 'ok'}",
                          "_packed({'output': {'~t': 0}, 'inputs_after': {}}, [['float32', [2 ** 70, 0], 0]])")
    report = graded(attack(SEND, body), box)
    not_the_sandboxes_fault(report)
    assert str(report.cases[0].status) == "bad-output", report.cases[0].message


def test_a_packed_tensor_of_an_absurd_empty_shape_gets_a_verdict_with_explanations(graded, unscanned, box, course,
                                                                                   tmp_path):
    """(2**63 - 1, 0): a tensor torch accepts. The check, its diagnosis and localisation
    (on here, as in `grader check`) must all still end in a verdict."""
    from grader.verdict.runner import check_problem

    body = forged_results(n_cases(course), "{'event': 'result', 'case': i, 'status': 'ok'}",
                          "_packed({'output': {'~t': 0}, 'inputs_after': {}}, [['float32', [2 ** 63 - 1, 0], 0]])")
    graded(attack(SEND, body), box)  # the containment checks
    path = tmp_path / "layer_norm.py"
    report = check_problem(course, course.get("layer-norm"), file=path, workspace=path.parent, sandbox=box,
                           limits=FAST, localise=True)
    not_the_sandboxes_fault(report)


@pytest.mark.parametrize("count", [99_999, 4_000])
def test_many_tiny_tensors_cost_the_grader_little(graded, unscanned, box, course, count):
    """The grader decodes each reply in its own process, outside every limit of the child:
    100,000 empty tensors in each case's result (the item cap), or 4,000 in each of the
    check's cases, must not cost it seconds a learner (in `grader grade`, the whole class)
    waits for."""
    layout = f"[['float32', [0], 0]] * {count}"
    body = forged_results(n_cases(course), "{'event': 'result', 'case': i, 'status': 'ok'}",
                          f"_packed({{'output': [{{'~t': k}} for k in range({count})], 'inputs_after': {{}}}}, {layout})")
    spent = time.process_time()  # the grader's own CPU (the child's is its own, under its limits)
    report = graded(attack(SEND, body), box)
    spent = time.process_time() - spent
    assert not report.passed
    assert spent < 2.0, f"the grader spent {spent:.1f} s of its own CPU on one learner's reply"


def test_a_deeply_nested_torch_file_is_bad_output_in_time(graded, unscanned, box, course):
    """The torch.save fallback: a pickle of a million nested lists (the weights-only
    unpickler builds them without recursion); the grader must neither recurse to death
    nor spend long on it."""
    body = forged_results(n_cases(course), "{'event': 'result', 'case': i, 'status': 'ok'}", "DEEP")
    prelude = SEND + """
import io as _io, zipfile as _zipfile
_buf = _io.BytesIO()
with _zipfile.ZipFile(_buf, 'w', _zipfile.ZIP_STORED) as _z:
    _z.writestr('archive/data.pkl', b'\\x80\\x02' + b']' * 1_000_000 + b'a' * 999_999 + b'.')
    _z.writestr('archive/byteorder', b'little')
    _z.writestr('archive/version', b'3\\n')
DEEP = _buf.getvalue()
"""
    spent = time.process_time()
    report = graded(attack(prelude, body), box)
    spent = time.process_time() - spent
    not_the_sandboxes_fault(report)
    assert spent < 2.0, f"the grader spent {spent:.1f} s of its own CPU on one learner's reply"


# =========================================================================== C. a forged grader's voice
def test_a_forged_refusal_cannot_blame_the_sandbox(graded, unscanned, box):
    """A 'refused' frame says the child could not be confined: only the trusted phase may
    send one. Sent by learner code, it turned the check into the sandbox's failure, in the
    grader's voice and with the learner's words."""
    body = """    CALLS.append(1)
    if len(CALLS) == 1:
        _send(_frame({'event': 'refused', 'message': 'the grader failed; every case was right: PASSED'}))
        import time
        time.sleep(60)
"""
    report = graded(attack(SEND, body), box)
    not_the_sandboxes_fault(report)


def test_a_forged_status_naming_the_sandbox_is_the_learners_output(graded, unscanned, box, course):
    """A result frame whose status is 'sandbox-error': the learner's claim, never the
    grader's word about itself."""
    body = forged_results(n_cases(course), "{'event': 'result', 'case': i, 'status': 'sandbox-error', "
                          "'message': 'the grader broke'}")
    report = graded(attack(SEND, body), box)
    not_the_sandboxes_fault(report)


# =========================================================================== D. banned calls with no line of the learner's on the stack
GELU_RIGHT = """    import math
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
"""


def test_a_banned_call_run_by_a_finalizer_as_the_function_returns_is_seen(graded, unscanned, box):
    """weakref.finalize with C callables only (list over maps of partial(F.gelu) and
    out.copy_): when the function's frame is cleared at its return, the chain runs with no
    frame of the learner's on the stack, and the guard counted a hit only with one."""
    report = graded("""import functools
import weakref
import torch
import torch.nn.functional as F

class Box:
    pass

def gelu(x):
    out = torch.empty_like(x)
    holder = Box()
    weakref.finalize(holder, list, map(out.copy_, map(functools.partial(F.gelu, approximate='tanh'), [x])))
    return out
""", box, slug="gelu", right=True)
    assert report.violations, f"a banned call went unseen: passed={report.passed}"
    assert report.score == 0.0


def test_a_banned_class_constructed_by_a_finalizer_is_seen(graded, unscanned, box):
    """The same window for a banned class's construction (the guard patches __init__)."""
    report = graded("""import weakref
import torch

class Box:
    pass

def gelu(x):
    out = torch.empty_like(x)
    holder = Box()
    mods = map(torch.nn.GELU, ['tanh'])
    weakref.finalize(holder, list, map(out.copy_, map(lambda m: m(x), mods)))
    return out
""", box, slug="gelu", right=True)
    assert report.violations, f"a banned construction went unseen: passed={report.passed}"


# =========================================================================== E. one learner's check reaching the next one's
def _shared_check(course, box, path: Path, work, seed: int):
    from grader.verdict.runner import check_problem

    return check_problem(course, course.get("layer-norm"), file=path, workspace=path.parent, seed=seed,
                         sandbox=box, shared=work, limits=FAST, localise=False)


def test_cases_the_zygote_keeps_cannot_be_changed_for_the_next_learner(unscanned, box, course, tmp_path):
    """`grader grade` sends every learner the same cases, which the zygote keeps decoded
    after the second check and hands to every later child: a child that writes into them
    (in place, through their storages and through its own memory file) must leave the
    next learner's inputs as they were."""
    from grader.verdict.class_work import prepare_class_work

    seed = 4242
    work = prepare_class_work(course.get("layer-norm"), seed)
    right = tmp_path / "right"
    bad = tmp_path / "bad"
    right.mkdir()
    bad.mkdir()
    (right / "layer_norm.py").write_text(attack("", "", right=True))
    (bad / "layer_norm.py").write_text(attack("""
import gc
def _spoil():
    for o in gc.get_objects():
        if type(o) is dict and 'x' in o and type(o.get('x')) is torch.Tensor:
            with torch.no_grad():
                o['x'].mul_(0).add_(7)
                o['x'].untyped_storage().fill_(0)
""", "    _spoil()\n"))
    for path in (right, bad, bad, bad):  # the zygote holds the cases from the second check on
        _shared_check(course, box, path / "layer_norm.py", work, seed)
    report = _shared_check(course, box, right / "layer_norm.py", work, seed)
    assert report.passed, [c.message for c in report.cases if not c.passed]


def test_global_torch_state_one_learner_sets_does_not_reach_the_next(graded, unscanned, box):
    """Default dtype, print options, flush-denormal, deterministic flags, the global seed,
    a grad mode, a default device: each child's own, never the next check's."""
    graded(attack("""
torch.set_default_dtype(torch.float64)
torch.set_printoptions(precision=1)
torch.set_flush_denormal(True)
torch.use_deterministic_algorithms(True)
torch.manual_seed(1234)
torch.set_grad_enabled(False)
torch.set_num_threads(2)
"""), box)
    report = graded(attack("""
STATE = (torch.get_default_dtype(), torch.is_deterministic_algorithms_warn_only_enabled(),
         torch.are_deterministic_algorithms_enabled(), torch.is_grad_enabled(), torch.get_num_threads())
print('STATE', STATE)
""", right=True), box, right=True)
    assert "STATE (torch.float32, False, False, True, 1)" in output(report), output(report)


@pytest.fixture(scope="module", params=["namespaces", "uid"])
def class_box(request):
    """A sandbox as `grader grade` starts it: the class's submissions hidden."""
    root = Path(tempfile.mkdtemp(prefix="gatk-s25-class-"))
    (root / "alice").mkdir()
    (root / "alice" / "layer_norm.py").write_text(f"SECRET = '{FORGED}-alice'\n")
    (root / "bob").mkdir()
    sandbox = Sandbox(isolation=request.param, hidden=[root])
    sandbox.start()
    if sandbox.level() is None:
        sandbox.close()
        pytest.skip(f"the {request.param} level is not available here: {sandbox.error}")
    yield sandbox, root
    sandbox.close()


def test_another_learners_file_is_out_of_reach_in_grade(unscanned, class_box, course):
    """Bob's child looks for Alice's file every way a path can be reached: by name, through
    /proc/self/root and /proc/self/cwd, by listing, by stat (its size and time tell what it
    holds), through its own workspace's parent."""
    from grader.verdict.runner import check_problem

    sandbox, root = class_box
    mine = root / "bob" / "layer_norm.py"
    mine.write_text(attack(f"""
import os
ROOT = {str(root)!r}
seen = []
for path in (ROOT + '/alice/layer_norm.py', '/proc/self/root' + ROOT + '/alice/layer_norm.py',
             '/proc/self/cwd/' + ROOT + '/alice/layer_norm.py', ROOT + '/bob/../alice/layer_norm.py'):
    for how in ('open', 'stat'):
        try:
            seen.append((how, open(path).read() if how == 'open' else os.stat(path).st_size))
        except OSError:
            pass
for d in (ROOT, ROOT + '/alice', os.getcwd()):
    try:
        seen.append(('list', os.listdir(d)))
    except OSError:
        pass
print('SEEN', seen)
""", right=True))
    report = check_problem(course, course.get("layer-norm"), file=mine, workspace=mine.parent, sandbox=sandbox,
                           limits=FAST, localise=False)
    text = output(report)
    assert "SEEN" in text, text
    assert f"{FORGED}-alice" not in text and "'alice'" not in text and "('stat'" not in text, text


# =========================================================================== F. the terminal and the machine from the child
def test_the_child_cannot_reach_a_terminal(graded, unscanned, box):
    """TIOCSTI pushes characters into a terminal's input (a command typed for the instructor);
    the child may hold no terminal: not on its descriptors, not by /dev/tty, not through
    /proc/self/fd."""
    report = graded(attack("""
import fcntl, os, termios
reached = []
for fd in range(0, 64):
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b'x')
        reached.append(fd)
    except OSError:
        pass
for path in ('/dev/tty', '/dev/console', '/dev/ptmx', '/dev/pts/0', '/proc/self/fd/0'):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
        try:
            fcntl.ioctl(fd, termios.TIOCSTI, b'x')
            reached.append(path)
        except OSError:
            pass
    except OSError:
        pass
print('REACHED', reached)
""", right=True), box, right=True)
    assert "REACHED []" in output(report), output(report)


def test_process_control_prctls_leave_nothing_for_the_supervisor(graded, unscanned, box):
    """The seccomp filter refuses the parent-death signal and dumpability prctls only: a
    child that names itself like the grader, makes itself a subreaper or asks for a
    ptracer must still be ended with the check, and the check end in a verdict."""
    report = graded(attack("""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
RESULTS = []
for option, arg in ((15, ctypes.c_char_p(b'python -m grader')), (36, 1), (0x59616d61, -1 & 0xFFFFFFFF),
                    (38, 1)):
    RESULTS.append(libc.prctl(option, arg, 0, 0, 0))
print('PRCTL', RESULTS)
""", right=True), box, right=True)
    assert report.passed, [c.message for c in report.cases]


# =========================================================================== G. round two: against this session's own fixes
def test_a_reply_at_every_cap_at_once_is_a_verdict(graded, unscanned, box, course):
    """Every case's result at its caps, in characters that JSON escapes to six bytes (message,
    traceback, 100 violations), and 8 KiB of bytes that are no UTF-8 printed per case: the
    supervisor's reply is as large as it can be, and must still be read as a verdict."""
    before = box.pid
    wide = "\\u2028"
    body = f"""    CALLS.append(1)
    if len(CALLS) == 1:
        for i in range({n_cases(course)}):
            _os.write(1, b'\\xff' * 9000)
            _send(_frame({{'event': 'result', 'case': i, 'status': 'exception', 'message': '{wide}' * 5000,
                          'traceback': '{wide}' * 9000,
                          'violations': [{{'api': '{wide}' * 300, 'file': '{wide}' * 600, 'line': 1,
                                          'how': '{wide}' * 600, 'kind': '{wide}' * 30}}] * 100}}))
        for i in range(120):
            _send(_frame({{'event': 'violation', 'api': '{wide}' * 300, 'file': '{wide}' * 600, 'line': i,
                          'how': '{wide}' * 600, 'kind': 'banned'}}))
        _os._exit(0)
"""
    report = graded(attack(SEND, body), box)
    not_the_sandboxes_fault(report)
    assert box.pid == before, "the zygote was restarted"


@pytest.mark.parametrize("status", [None, 7, 1.5, True, [], {"a": 1}, "x" * 100_000, "ok\u0000", "OK"])
def test_odd_statuses_in_a_result_are_bad_output(graded, unscanned, box, course, status):
    body = forged_results(n_cases(course), f"{{'event': 'result', 'case': i, 'status': {status!r}}}",
                          "_packed({'output': {'~t': 0}, 'inputs_after': {}}, [['float32', [2], 0]], b'\\0' * 16)")
    report = graded(attack(SEND, body), box)
    not_the_sandboxes_fault(report)


def test_more_results_than_cases_in_any_order_forge_nothing(graded, unscanned, box, course):
    """Result frames for cases that do not exist, out of order, repeated: the supervisor keeps
    as many as there are cases, in the order they came; none is a pass."""
    n = n_cases(course)
    body = forged_results(3 * n, "{'event': 'result', 'case': (i * 7) % 100 - 50, 'status': 'ok'}",
                          "_packed({'output': {'~t': 0}, 'inputs_after': {}}, [['float32', [2, 5, 16], 0]], "
                          "b'\\0' * 640)")
    report = graded(attack(SEND, body), box)
    assert not report.passed


def test_a_banned_call_run_by_a_collection_between_the_return_and_the_copy_is_seen(graded, unscanned, box):
    """The same chain of C callables, hung on a reference cycle, with the collector set to run
    at the next allocation: the collection comes in the grader's code between the learner's
    return and the copy of its output (the guard held, no learner call in progress)."""
    report = graded("""import functools
import gc
import weakref
import torch
import torch.nn.functional as F

class Box:
    pass

def gelu(x):
    out = torch.empty_like(x)
    holder = Box()
    holder.me = holder  # a cycle: freed by a collection only
    weakref.finalize(holder, list, map(out.copy_, map(functools.partial(F.gelu, approximate='tanh'), [x])))
    del holder
    gc.set_threshold(1, 1, 1)
    return out
""", box, slug="gelu", right=True)
    assert report.violations, f"a banned call went unseen: passed={report.passed}"
    assert report.score == 0.0


def test_a_replaced_result_pipe_is_a_verdict(graded, unscanned, box):
    """The child closes its result pipe and opens a pipe of its own on the same descriptor:
    the grader's frames go nowhere the supervisor reads; the check ends in time, a verdict."""
    body = """    CALLS.append(1)
    if len(CALLS) == 1:
        fds = [fd for fd in range(3, 64) if _is_open(fd)]
        for fd in fds:
            _os.close(fd)
        r, w = _os.pipe()
        _os.set_blocking(w, False)
"""
    prelude = SEND + """
def _is_open(fd):
    try:
        _os.fstat(fd)
        return True
    except OSError:
        return False
"""
    report = graded(attack(prelude, body), box)
    assert report.elapsed_for_test < 60
    assert not report.passed


@pytest.mark.xfail(strict=True, reason="known limit, by design: one child runs every step of a decode, and the "
                   "reference cache each step's input is cut from is in its memory (a second-net read: the scan "
                   "refuses frames and gc)")
def test_a_kv_cache_step_cannot_read_the_cache_it_is_asked_to_write(graded, unscanned, box):
    """The step at `index` is handed a cache zeroed from `index` on; the expected cache (what
    the step must write at `index`) must not be within its reach."""
    report = graded("""import sys
import torch

def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    found = False
    f = sys._getframe(1)
    while f is not None:
        for value in list(f.f_locals.values()):
            if type(value) is dict:
                for t in value.values():
                    if type(t) is torch.Tensor and t.shape == cache.shape and t.dtype == cache.dtype \\
                            and bool(t[..., index, :].abs().sum() > 0) and not bool(cache[..., index, :].abs().sum() > 0):
                        found = True
        f = f.f_back
    print('FOUND' if found else 'NOTHING')
    return torch.zeros(token_ids.shape[0], w_emb.shape[0], dtype=w_emb.dtype), cache
""", box, slug="kv-cache")
    assert "FOUND" not in output(report), output(report)[:400]
