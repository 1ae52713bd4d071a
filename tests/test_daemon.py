"""The warm check server (grader/server.py, client.py): the same bytes as a cold check,
its life (idle exit, restart on change, fallback), who may talk to it, and a client
that stays light. End-to-end runs are few: each cold one imports torch."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from grader.learner import client, daemon_paths
from grader.course.loader import Course
from grader.learner.daemon_protocol import recv_header, send_message
from grader.course.workspace import Workspace

GRADER = str(Path(sys.executable).with_name("grader"))

CORRECT = textwrap.dedent("""
    import torch
    def layer_norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)
""")
UNBIASED = CORRECT.replace("(c * c).mean(-1, keepdim=True)", "(c * c).sum(-1, keepdim=True) / (x.shape[-1] - 1)")
BANNED = "import torch\ndef layer_norm(x, eps=1e-5):\n    return torch.nn.functional.layer_norm(x, x.shape[-1:], eps=eps)\n"
SYNTAX = "import torch\ndef layer_norm(x, eps=1e-5)\n    return x\n"


def _env(directory: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_WORKSPACE", "GRADER_NO_DAEMON", "COLUMNS")}
    # A short idle period: a server a failed test leaves behind does not linger.
    return {**env, "GRADER_DAEMON_DIR": str(directory), "GRADER_DAEMON_IDLE": "120", **extra}


def _run(args, cwd, env, **extra_env) -> subprocess.CompletedProcess:
    return subprocess.run([GRADER, *args], cwd=cwd, env={**env, **extra_env}, capture_output=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def _target(ws: Path, env: dict) -> daemon_paths.Target:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_DAEMON_DIR", env["GRADER_DAEMON_DIR"])
        return daemon_paths.target(ws, None)


def _stop_all(directory: Path) -> None:
    for sock in directory.glob("*.sock"):
        client.ask(daemon_paths.Target(directory, sock.stem), "stop")


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    root = tmp_path_factory.mktemp("warm")
    sockets = root / "sockets"
    sockets.mkdir(mode=0o700)
    ws = root / "ws"
    Workspace(ws).init(Course())
    (ws / "layer_norm.py").write_text(CORRECT)
    for name, text in (("unbiased.py", UNBIASED), ("banned.py", BANNED), ("broken.py", SYNTAX)):
        (ws / name).write_text(text)
    yield ws, _env(sockets)
    _stop_all(sockets)


def _same_json(a: bytes, b: bytes) -> bool:
    """Reports carry their own timings: everything else must be identical."""
    timing = re.compile(rb'"elapsed": [0-9.e+-]+')
    return timing.sub(b'"elapsed": T', a) == timing.sub(b'"elapsed": T', b)


RUNS = [  # (args, extra env, exit code): each kind of file once, text or JSON, the failing one both ways
    (["check", "layer-norm"], {}, 0),
    (["check", "layer-norm", "--file", "unbiased.py"], {"FORCE_COLOR": "1", "COLUMNS": "100"}, 1),
    (["check", "layer-norm", "--file", "unbiased.py", "--json"], {}, 1),
    (["check", "layer-norm", "--file", "banned.py"], {}, 1),
    (["check", "layer-norm", "--file", "broken.py", "--json"], {}, 1),
    (["check", "gelu"], {}, 1),
    (["check", "no-such-problem", "--json"], {}, 2),
]


def test_warm_checks_print_the_bytes_of_cold_ones(warm):
    ws, env = warm
    first = _run(["check", "gelu", "--json"], ws, env)  # starts the server
    assert first.returncode == 1 and json.loads(first.stdout)["error_kind"] == "not-implemented", first.stderr
    for args, extra, code in RUNS:
        cold = _run(args, ws, env, GRADER_NO_DAEMON="1", **extra)
        hot = _run(args, ws, env, **extra)
        assert (cold.returncode, hot.returncode) == (code, code), (args, cold.stderr, hot.stderr)
        assert hot.stderr == cold.stderr, args
        if "--json" in args and code != 2:
            assert _same_json(hot.stdout, cold.stdout), args
            json.loads(hot.stdout)
        else:
            assert hot.stdout == cold.stdout, args
        if "FORCE_COLOR" in extra:
            assert b"\x1b[" in hot.stdout  # the client's colour settings reached the server's console
    status = client.ask(_target(ws, env), "status")
    assert status["status"] == "running" and status["served"] == len(RUNS) + 1


def test_the_client_imports_neither_torch_nor_rich(warm):
    ws, env = warm
    probe = ("import sys\nfrom grader.entry import main\nsys.argv = ['grader', 'check', 'layer-norm']\n"
             "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'rich', 'click', 'numpy'))\n"
             "sys.stderr.write(f'{code} {heavy}')\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ws, env=env, capture_output=True, timeout=300)
    assert done.stderr.decode().strip() == "0 []", done.stderr
    assert b"PASSED" in done.stdout


def test_a_garbage_server_means_a_cold_check(tmp_path):
    sockets = tmp_path / "sockets"
    sockets.mkdir(mode=0o700)
    ws = tmp_path / "ws"
    Workspace(ws).init(Course())
    env = _env(sockets)
    os.environ["GRADER_DAEMON_DIR"] = str(sockets)
    try:
        target = daemon_paths.target(ws, None)
    finally:
        del os.environ["GRADER_DAEMON_DIR"]
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(target.socket))
    listener.listen(4)

    def garbage():
        for _ in range(3):
            conn, _ = listener.accept()
            with conn:
                conn.recv(1 << 16)
                conn.sendall(b"\x00\x00\x00\x05nope!")

    threading.Thread(target=garbage, daemon=True).start()
    done = _run(["check", "gelu", "--json"], ws, env)
    listener.close()
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["error_kind"] == "not-implemented"


def test_a_stale_socket_is_replaced_and_a_refused_start_is_cold(tmp_path, monkeypatch):
    sockets = tmp_path / "sockets"
    sockets.mkdir(mode=0o700)
    monkeypatch.setenv("GRADER_DAEMON_DIR", str(sockets))
    monkeypatch.delenv("GRADER_NO_DAEMON", raising=False)
    monkeypatch.chdir(tmp_path)
    target = daemon_paths.target(tmp_path, None)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(target.socket))
    stale.close()  # the file stays, nobody listens: connection refused
    assert client.connect(target) is None
    started = []
    monkeypatch.setattr(client, "start_server", lambda t, c: started.append(t) or False)
    assert client.run_warm(["check", "gelu"]) is None  # the caller runs it cold
    assert started == [target]
    assert client.run_warm(["--help"]) is None and client.run_warm(["check", "gelu", "-h"]) is None
    monkeypatch.setenv("GRADER_NO_DAEMON", "1")
    started.clear()
    assert client.run_warm(["check", "gelu"]) is None and started == []


def test_another_users_connection_gets_no_answer():
    if os.geteuid() != 0:
        pytest.skip("needs root to connect as another user")
    import shutil
    import tempfile

    from grader.server import Server

    directory = Path(tempfile.mkdtemp(prefix="grader-peer-", dir="/tmp"))
    os.chmod(directory, 0o755)  # reachable by anyone, for this test only (a real one is 0700)
    server = Server(daemon_paths.Target(directory, "k"), None, "stamp")
    server.listen()
    os.chmod(server.target.socket, 0o666)
    answers = []

    def serve_two():
        for _ in range(2):
            conn, _ = server.listener.accept()
            with conn:
                server.handle(conn)

    thread = threading.Thread(target=serve_two, daemon=True)
    thread.start()
    probe = (f"import os, socket\nos.setgid(65534)\nos.setuid(65534)\ns = socket.socket(socket.AF_UNIX)\n"
             f"s.connect({str(server.target.socket)!r})\n"
             "try:\n    s.sendall(b'\\x00\\x00\\x00\\x10' + b'{\"op\": \"status\"}')\n    print(repr(s.recv(100)))\n"
             "except OSError as e:\n    print('closed', type(e).__name__)\n")
    nobody = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=60)
    with socket.socket(socket.AF_UNIX) as own:
        own.connect(str(server.target.socket))
        send_message(own, {"op": "status"})
        answers.append(recv_header(own))
    thread.join(10)
    server.close()
    shutil.rmtree(directory, ignore_errors=True)
    said = nobody.stdout.decode().strip()
    assert said == "b''" or said.startswith("closed"), nobody.stderr  # closed without a word
    assert answers[0]["status"] == "running" and answers[0]["pid"] == os.getpid()


def test_fingerprint_follows_the_course_the_grader_and_torch(tmp_path, monkeypatch):
    course = tmp_path / "course"
    (course / "problems" / "p").mkdir(parents=True)
    toml = course / "problems" / "p" / "problem.toml"
    toml.write_text("x = 1\n")
    before = daemon_paths.fingerprint(str(course))
    assert daemon_paths.fingerprint(str(course)) == before
    os.utime(toml, ns=(1, 10**9))
    assert daemon_paths.fingerprint(str(course)) != before
    monkeypatch.setattr(daemon_paths, "_torch_stamp", lambda: "another torch")
    assert daemon_paths.fingerprint(str(course)) != daemon_paths.fingerprint(None)


def test_a_changed_fingerprint_restarts_and_idle_servers_exit(tmp_path, monkeypatch):
    sockets = tmp_path / "sockets"
    sockets.mkdir(mode=0o700)
    ws = tmp_path / "ws"
    Workspace(ws).init(Course())
    monkeypatch.setenv("GRADER_DAEMON_DIR", str(sockets))
    monkeypatch.setenv("GRADER_DAEMON_IDLE", "3")
    target = daemon_paths.target(ws, None)
    assert client.start_server(target, None)
    pid = client.ask(target, "status")["pid"]
    # A request made with other files on disk: the server says so and goes.
    request = {"op": "check", "protocol": 1, "fingerprint": "something else", "argv": ["check", "gelu"],
               "cwd": str(ws), "env": dict(os.environ)}
    reply, _, _ = client.exchange(client.connect(target), request)
    assert reply == {"status": "restart"}
    _gone(pid, target)
    # A new one, left alone, exits after its idle period.
    assert client.start_server(target, None)
    pid = client.ask(target, "status")["pid"]
    assert client.ask(target, "status")["idle_timeout"] == 3
    _gone(pid, target, within=20)


def _gone(pid: int, target, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)  # started from this process: reap it
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"server {pid} still running")
    assert not target.socket.exists() and client.connect(target) is None


def test_the_warm_server_checks_with_spawned_children(warm):
    ws, env = warm
    runs = [_run(["check", "layer-norm", "--json"], ws, env, GRADER_START_METHOD="spawn") for _ in range(2)]
    for done in runs:
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["passed"] and report["isolation"] == "none" and report["start_method"] == "spawn"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_START_METHOD", "spawn")
        target = _target(ws, env)
    assert client.ask(target, "status")["served"] == 2  # its own server: the switch is part of the key


def test_daemon_commands_when_none_runs(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import main

    sockets = tmp_path / "sockets"
    sockets.mkdir(mode=0o700)
    monkeypatch.setenv("GRADER_DAEMON_DIR", str(sockets))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    status = runner.invoke(main, ["daemon", "status"])
    assert status.exit_code == 0 and "No warm server for this workspace" in status.output
    stop = runner.invoke(main, ["daemon", "stop", "--all"])
    assert stop.exit_code == 0 and "No warm server was running" in stop.output
    os.chmod(sockets, 0o755)  # open to others: refused, never used
    status = runner.invoke(main, ["daemon", "status"])
    assert status.exit_code == 2 and "private directory of this user" in " ".join(status.output.split())


def test_a_changed_course_gets_a_fresh_server_on_the_next_check(tmp_path):
    sockets = tmp_path / "sockets"
    sockets.mkdir(mode=0o700)
    course = tmp_path / "course"
    (course / "problems").mkdir(parents=True)
    (course / "problems" / "notes.txt").write_text("v1")
    ws = tmp_path / "ws"
    Workspace(ws).init(Course())
    env = _env(sockets, GRADER_COURSE=str(course))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_COURSE", str(course))
        mp.setenv("GRADER_DAEMON_DIR", str(sockets))
        target = daemon_paths.target(ws, daemon_paths.resolved_course(str(course)))  # as the client names it
    pids = []
    for version in ("v1", "v2"):
        (course / "problems" / "notes.txt").write_text(version)
        os.utime(course / "problems" / "notes.txt", ns=(10**9, 10**9 * (2 if version == "v2" else 1)))
        done = _run(["check", "gelu", "--json"], ws, env)
        assert done.returncode == 1 and json.loads(done.stdout)["error_kind"] == "not-implemented", done.stderr
        status = client.ask(target, "status")
        pids.append((status["pid"], status["served"]))
    client.ask(target, "stop")
    assert pids[0][0] != pids[1][0] and pids[1][1] == 1  # a new server served the check after the change


def _in_a_terminal(args, cwd, env) -> tuple[int, bytes]:
    """Run grader with stdout and stderr on a 100x30 pseudo-terminal: what a learner sees."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen([GRADER, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the terminal's last writer is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks)


def test_in_a_terminal_warm_and_cold_look_the_same(warm):
    ws, env = warm
    env = {k: v for k, v in env.items() if k not in ("NO_COLOR", "FORCE_COLOR", "LINES")}
    env["TERM"] = "xterm-256color"
    args = ["check", "layer-norm", "--file", "unbiased.py"]
    cold_code, cold = _in_a_terminal(args, ws, dict(env, GRADER_NO_DAEMON="1"))
    _in_a_terminal(args, ws, env)  # the server may start here
    hot_code, hot = _in_a_terminal(args, ws, env)
    assert (cold_code, hot_code) == (1, 1)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", cold.decode())
    assert b"\x1b[" in cold and max(len(line) for line in plain.splitlines()) == 100  # colour, the terminal's width
    assert hot == cold
