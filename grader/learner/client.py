"""The `grader check` client: hand the command to the workspace's warm server.

Imports nothing heavy (no torch, rich or click; the stdlib and grader/daemon_*.py):
it decides whether the command is one the server serves, finds or starts the server
(grader/server.py), sends argv, working directory, environment and what its streams
are, and writes back the exact bytes and exit code. Whenever the warm path is not
there or fails in any way, it returns None and the caller runs the command cold, in
process: a missing daemon costs time, never a verdict.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

from . import daemon_paths
from .daemon_paths import Target, UnsafeDirectory
from .daemon_protocol import PROTOCOL, ProtocolError, body_size, peer_uid, recv_exact, recv_header, send_message

SERVED_COMMANDS = ("check",)
START_TIMEOUT = 180.0  # seconds to wait for a new server to be ready (a cold torch import on a slow disk)
REPLY_TIMEOUT = 3600.0


def disabled() -> bool:
    return os.environ.get("GRADER_NO_DAEMON", "").strip() not in ("", "0")


def served_command(argv: list[str]) -> tuple[str | None, str | None]:
    """(command, --course value) when argv runs a command the server serves, else (None, None).
    Only `--course` comes before the command; help and version stay with the cold path."""
    course, i = None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--course" and i + 1 < len(argv):
            course, i = argv[i + 1], i + 2
        elif arg.startswith("--course="):
            course, i = arg.split("=", 1)[1], i + 1
        elif arg.startswith("-"):
            return None, None
        else:
            break
    if i >= len(argv) or argv[i] not in SERVED_COMMANDS:
        return None, None
    if any(a in ("-h", "--help") for a in argv[i + 1:]):
        return None, None
    return argv[i], course


def terminal_size() -> tuple[int, int] | None:
    """The size rich would find on the first of stdin, stdout, stderr that is a terminal."""
    for fd in (0, 1, 2):
        try:
            return tuple(os.get_terminal_size(fd))
        except (AttributeError, ValueError, OSError):
            continue
    return None


def _stream_facts(stream) -> dict:
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        tty = False
    return {"tty": tty, "encoding": getattr(stream, "encoding", None) or "utf-8",
            "errors": getattr(stream, "errors", None) or "strict"}


def request_for(argv: list[str], course: str | None) -> dict:
    env = dict(os.environ)
    size = terminal_size()
    if size is not None and env.get("TERM", "").lower() not in ("dumb", "unknown"):
        env.setdefault("COLUMNS", str(size[0]))  # the server has no terminal to ask
        env.setdefault("LINES", str(size[1]))
    return {"op": "check", "protocol": PROTOCOL, "fingerprint": daemon_paths.fingerprint(course),
            "argv": list(argv), "prog": os.path.basename(sys.argv[0]) or "grader", "cwd": os.getcwd(), "env": env,
            "stdout": _stream_facts(sys.stdout), "stderr": _stream_facts(sys.stderr)}


# ----------------------------------------------------------------------------- talking
def connect(target: Target, timeout: float | None = 5.0) -> socket.socket | None:
    """A connection to the server, or None when there is none (absent or stale socket)."""
    if not hasattr(socket, "AF_UNIX") or not target.socket.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(target.socket))
        if peer_uid(sock) != os.getuid():  # only ever our own server
            sock.close()
            return None
    except OSError:
        sock.close()
        return None
    return sock


def exchange(sock: socket.socket, request: dict, timeout: float = REPLY_TIMEOUT) -> tuple[dict, bytes, bytes]:
    with sock:
        sock.settimeout(timeout)
        send_message(sock, request)
        reply = recv_header(sock)
        out = recv_exact(sock, body_size(reply, "stdout"))
        err = recv_exact(sock, body_size(reply, "stderr"))
    return reply, out, err


def start_server(target: Target, course: str | None) -> bool:
    """Start a detached server in its own session and wait until it listens (True),
    or until it says it could not (False). "busy": another client started one."""
    import select
    import subprocess

    read_end, write_end = os.pipe()
    try:
        with open(target.log, "ab") as log:
            os.chmod(target.log, 0o600)
            subprocess.Popen([sys.executable, "-m", "grader.server", str(write_end), str(target.directory),
                              target.key, course or ""],
                             pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True, close_fds=True,
                             env=dict(os.environ, PYTHONPATH=_pythonpath()))
    except OSError:
        os.close(read_end)
        return False
    finally:
        os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], START_TIMEOUT)
        word = os.read(read_end, 64) if ready else b""
    finally:
        os.close(read_end)
    if word.startswith(b"busy"):
        return _wait_for_socket(target)
    return word.startswith(b"ready")


def _pythonpath() -> str:
    """This grader package first, so the server imports the same code as its client."""
    here = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)


def _wait_for_socket(target: Target) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        sock = connect(target, timeout=1.0)
        if sock is not None:
            sock.close()
            return True
        time.sleep(0.05)
    return False


def _wait_until_gone(target: Target, seconds: float = 5.0) -> None:
    """A server that answered "restart" removes its socket as it exits: wait for that."""
    deadline = time.monotonic() + seconds
    while target.socket.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def run_warm(argv: list[str]) -> int | None:
    """Run argv on the warm server: its exit code once its output is written, or None
    (nothing written) when the cold path must run it."""
    if disabled() or not hasattr(socket, "AF_UNIX"):
        return None
    command, course = served_command(argv)
    if command is None:
        return None
    course = daemon_paths.resolved_course(course if course is not None else os.environ.get("GRADER_COURSE"))
    try:
        target = daemon_paths.target(Path.cwd(), course)
        request = request_for(argv, course)
        for _ in range(3):
            sock = connect(target)
            if sock is None:
                if not start_server(target, course):
                    return None
                continue
            reply, out, err = exchange(sock, request)
            if reply.get("status") == "restart":  # the grader, the course or torch changed
                _wait_until_gone(target)
                continue
            if reply.get("status") != "done" or not isinstance(reply.get("exit"), int):
                return None
            _write(sys.stdout, out)
            _write(sys.stderr, err)
            return reply["exit"]
    except (OSError, ProtocolError, UnsafeDirectory, ValueError):
        return None
    return None


def _write(stream, data: bytes) -> None:
    if not data:
        return
    try:
        stream.flush()
        stream.buffer.write(data)
        stream.buffer.flush()
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


# ----------------------------------------------------------------------------- status / stop
def ask(target: Target, op: str) -> dict | None:
    """A status or stop request to the server at target, or None when none answers."""
    sock = connect(target)
    if sock is None:
        return None
    try:
        reply, _, _ = exchange(sock, {"op": op}, timeout=30)
        return reply
    except (OSError, ProtocolError):
        return None
