"""The warm check server: `python -m grader.server READY_FD DIRECTORY KEY COURSE`.

One per workspace (grader/learner/daemon_paths.py), started by the `grader check` client on
first need in its own session, gone after an idle period. It keeps torch imported, the
course loaded and a sandbox up, and serves each `grader check` as a fresh process
would: the client's argv, working directory, environment, and streams that say what
the client's say (a terminal or not, their encoding), so that the bytes on stdout and
stderr and the exit code are those of the cold path. Learner code never runs here:
checks go through the sandbox exactly as a cold check does.

Only this user may talk to it: the socket sits in the user's 0700 directory and every
connection's peer uid is checked. A request carrying another fingerprint (the grader,
the course, torch or Python changed) is answered "restart" and the server exits.
"""

from __future__ import annotations

import fcntl
import io
import os
import signal
import socket
import sys
import time
import warnings
from pathlib import Path

from .learner.daemon_paths import Target, fingerprint, idle_seconds, resolved_course
from .learner.daemon_protocol import PROTOCOL, ProtocolError, peer_uid, recv_header, send_message

LOCK_WAIT = 15.0  # seconds a new server waits for a stopping one to let go of the lock


class CapturedStream(io.TextIOWrapper):
    """A stdout/stderr that keeps its bytes and answers isatty() as the client's stream does."""

    def __init__(self, encoding: str, errors: str, tty: bool):
        super().__init__(io.BytesIO(), encoding=encoding, errors=errors, write_through=True)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def fileno(self) -> int:
        raise io.UnsupportedOperation("a captured stream has no file descriptor")

    def value(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()


def _stream(spec, fallback_tty: bool = False) -> CapturedStream:
    spec = spec if isinstance(spec, dict) else {}
    return CapturedStream(str(spec.get("encoding") or "utf-8"), str(spec.get("errors") or "strict"),
                          bool(spec.get("tty", fallback_tty)))


def exit_code(exc: SystemExit, stderr) -> int:
    """What the interpreter would exit with for this SystemExit."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=stderr)
    return 1


class Server:
    def __init__(self, target: Target, course_option: str | None, stamp: str):
        self.target, self.course_option, self.stamp = target, course_option, stamp
        self.started = time.time()
        self.served = 0
        self.session = None
        self.torch_seed = 0
        self.listener: socket.socket | None = None
        self._socket_inode: int | None = None

    # -- life ----------------------------------------------------------------------
    def warm(self) -> None:
        """Everything a check needs, loaded once: the commands, the sandbox, the course."""
        import torch

        self.torch_seed = torch.initial_seed()  # a fresh process's: every request starts from it
        from . import cli, cli_support
        from .verdict import report, runner  # noqa: F401
        from .verdict import localise, explain  # noqa: F401  (failing checks need them)
        from .verdict.session import GradingSession

        from .course.errors import CourseError

        session = GradingSession(self.course_option)
        try:
            session.__enter__()
        except CourseError:
            return  # each request then fails to load it, and says so, exactly as a cold check would
        self.session = session
        cli_support.SHARED_SESSION = (resolved_course(self.course_option), session)

    def listen(self) -> None:
        path = str(self.target.socket)
        try:
            os.unlink(path)  # we hold the lock: any socket here is stale
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(path)
        finally:
            os.umask(old)
        sock.listen(16)
        self._socket_inode = os.stat(path).st_ino
        self.listener = sock

    def close(self) -> None:
        path = str(self.target.socket)
        try:
            if self._socket_inode is not None and os.stat(path).st_ino == self._socket_inode:
                os.unlink(path)
        except OSError:
            pass
        if self.listener is not None:
            self.listener.close()
        if self.session is not None:
            self.session.close()

    def serve(self) -> None:
        idle = idle_seconds()
        last = time.monotonic()
        while True:
            left = idle - (time.monotonic() - last)
            if left <= 0:
                return
            self.listener.settimeout(left)
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                return
            with conn:
                keep_going = self.handle(conn)
            last = time.monotonic()
            if not keep_going:
                return

    # -- one connection ------------------------------------------------------------
    def handle(self, conn: socket.socket) -> bool:
        """Serve one request; False when the server should stop."""
        try:
            if peer_uid(conn) != os.getuid():
                return True  # another user: not a word
            conn.settimeout(30)
            request = recv_header(conn)
            conn.settimeout(None)
            op = request.get("op")
            if op == "status":
                send_message(conn, {"status": "running", "pid": os.getpid(), "started": self.started,
                                    "served": self.served, "idle_timeout": idle_seconds(),
                                    "socket": str(self.target.socket), "fingerprint": self.stamp,
                                    "isolation": self._isolation(), "python": sys.executable})
                return True
            if op == "stop":
                send_message(conn, {"status": "stopping"})
                return False
            if op != "check":
                send_message(conn, {"status": "error", "message": f"unknown request {op!r}"})
                return True
            if request.get("protocol") != PROTOCOL or request.get("fingerprint") != self.stamp:
                send_message(conn, {"status": "restart"})
                return False
            reply, out, err = self.run_command(request)
            send_message(conn, reply, out, err)
            self.served += 1
            return True
        except (OSError, ProtocolError, ValueError):
            return True

    def _isolation(self) -> str | None:
        sandbox = getattr(self.session, "sandbox", None)
        level = sandbox.level() if sandbox is not None else None
        return level.value if level is not None else None

    def run_command(self, request: dict) -> tuple[dict, bytes, bytes]:
        """The command as a fresh `grader` process would run it, its output captured."""
        from . import cli, cli_support

        argv, env, cwd = request.get("argv"), request.get("env"), request.get("cwd")
        if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and isinstance(env, dict)
                and isinstance(cwd, str)):
            return {"status": "error", "message": "malformed request"}, b"", b""
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        saved_streams = sys.stdout, sys.stderr
        out, err = _stream(request.get("stdout")), _stream(request.get("stderr"))
        try:
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in env.items()})
            os.chdir(cwd)
            sys.stdout, sys.stderr = out, err
            _fresh_warnings()
            _fresh_random_state(self.torch_seed)
            cli_support.reset_consoles()
            try:
                cli.main.main(args=argv, prog_name=str(request.get("prog") or "grader"), standalone_mode=True)
                code = 0
            except SystemExit as exc:
                code = exit_code(exc, err)
            reply = {"status": "done", "exit": code}
        except BaseException as exc:  # noqa: BLE001 - any failure: the client runs the check cold
            reply = {"status": "error", "message": f"{type(exc).__name__}: {exc}"[:2000]}
        finally:
            sys.stdout, sys.stderr = saved_streams
            os.environ.clear()
            os.environ.update(saved_env)
            try:
                os.chdir(saved_cwd)
            except OSError:
                os.chdir("/")
            cli_support.reset_consoles()
        if reply["status"] != "done":
            return reply, b"", b""
        stdout, stderr = out.value(), err.value()
        reply.update(stdout=len(stdout), stderr=len(stderr))
        return reply, stdout, stderr


def _fresh_warnings() -> None:
    """Warnings shown once per process are shown again, as in a fresh process."""
    warnings.onceregistry.clear()
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:
        mutated()  # every module's __warningregistry__ is out of date


def _fresh_random_state(seed: int) -> None:
    """torch's global generator as a fresh process has it (the grader draws its cases
    from generators of its own; this is for anything that would not)."""
    import torch

    torch.default_generator.manual_seed(seed)


def _take_lock(target: Target):
    handle = open(target.lock, "a")
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                return None
            time.sleep(0.05)


def _say(fd: int, word: bytes) -> None:
    if fd < 0:
        return
    try:
        os.write(fd, word)
        os.close(fd)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ready_fd, directory, key = int(argv[0]), Path(argv[1]), argv[2]
    course_option = argv[3] if len(argv) > 3 and argv[3] else None
    target = Target(directory, key)
    stamp = fingerprint(course_option)  # before anything of the grader's is imported
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    lock = _take_lock(target)
    if lock is None:
        _say(ready_fd, b"busy\n")
        return 0
    from .sandbox.zygote_launch import prestart

    prestart()  # the session's zygote imports torch while this process does (it adopts it in warm())
    server = Server(target, course_option, stamp)
    try:
        server.warm()
        server.listen()
        _say(ready_fd, b"ready\n")
        ready_fd = -1
        server.serve()
    finally:
        _say(ready_fd, b"failed\n")
        server.close()
        lock.close()
    return 0


def leave_now(code: int) -> None:
    """Exit without finalising the interpreter: torch's module teardown takes a second
    or more of CPU, which a stopped server would take from the check that follows it."""
    from .sandbox.zygote import flush_and_exit

    flush_and_exit(code)


if __name__ == "__main__":
    try:
        status = main()
    except SystemExit as stopped:  # SIGTERM
        status = stopped.code if isinstance(stopped.code, int) else 0
    leave_now(status)
