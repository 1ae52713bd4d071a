"""Reading a learner's file (a submission, a helper module) without trusting it.

The grader reads learner files with its own rights (often root), before any
confinement. So a file is read only when it is a regular file inside the learner's own
folder, reached without following a link out of it (each path component opened with
O_NOFOLLOW under the folder's descriptor, after the resolved path was checked to stay
inside), readable by the folder's owner (a root-only file hard-linked into a
workspace is not read for a learner who could not read it), opened without blocking
(a named pipe never hangs the grader) and read only up to a cap (a link to /dev/zero,
or a huge file, never fills the grader's memory). A refusal says why, never what the
file holds.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

MiB = 1024 * 1024
LEARNER_FILE_CAP = 1 * MiB  # a solution or helper module; far above any real one


class UnsafeFile(Exception):
    """A learner file the grader will not read; the message names the file and the reason only."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def folder_of(path: str | os.PathLike, workspace: str | os.PathLike | None) -> str:
    """The learner's own folder for `path`: the workspace when the file lies in it, else the
    file's own directory."""
    parent = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    if workspace is not None:
        root = os.path.realpath(workspace)
        if _inside(parent, root):
            return root
    return parent


def read_learner_bytes(path: str | os.PathLike, folder: str | os.PathLike | None = None,
                       cap: int = LEARNER_FILE_CAP) -> bytes:
    """The bytes of a learner's file, or UnsafeFile. `folder`: the learner's own folder
    (default: the file's directory); a link may lead anywhere inside it, nowhere else."""
    given = os.path.abspath(path)
    name = os.path.basename(given)
    root = os.path.realpath(folder) if folder is not None else os.path.realpath(os.path.dirname(given))
    real = os.path.realpath(given)
    if not _inside(real, root) or real == root:
        raise UnsafeFile(f"{name} leads outside your folder (a link to another place)")
    parts = os.path.relpath(real, root).split(os.sep)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    try:
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise UnsafeFile(f"{name} could not be opened ({exc.strerror})") from None
    fd = -1
    try:
        owner = os.fstat(dir_fd)
        for part in parts[:-1]:
            step = os.open(part, flags | os.O_DIRECTORY, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = step
        fd = os.open(parts[-1], flags, dir_fd=dir_fd)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(f"{name} is not a regular file (a pipe, a device, a socket or a directory)")
        if info.st_size > cap:
            raise UnsafeFile(f"{name} is larger than {cap // 1024} KiB")
        if not _readable_by(info, owner.st_uid, owner.st_gid):
            raise UnsafeFile(f"{name} is not readable by the owner of your folder")
        chunks, left = [], cap + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > cap:
            raise UnsafeFile(f"{name} is larger than {cap // 1024} KiB")
        return data
    except UnsafeFile:
        raise
    except OSError as exc:
        why = "it is a link" if exc.errno in (40, 20) else exc.strerror  # ELOOP, ENOTDIR: a link swapped in
        raise UnsafeFile(f"{name} could not be opened safely ({why})") from None
    finally:
        if fd >= 0:
            os.close(fd)
        os.close(dir_fd)


def _readable_by(info: os.stat_result, uid: int, gid: int) -> bool:
    """Whether the folder's owner could read the file by its mode bits (a root-only file
    hard-linked into a learner's folder is not theirs to read)."""
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IRUSR)
    if info.st_gid == gid:
        return bool(info.st_mode & stat.S_IRGRP)
    return bool(info.st_mode & stat.S_IROTH)


def read_learner_text(path: str | os.PathLike, folder: str | os.PathLike | None = None,
                      cap: int = LEARNER_FILE_CAP) -> str:
    return read_learner_bytes(path, folder, cap).decode("utf-8", errors="replace")


def learner_sha256(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> str | None:
    """The file's hash, or None when it is not safe to read (it is then graded as refused)."""
    try:
        return hashlib.sha256(read_learner_bytes(path, folder)).hexdigest()
    except UnsafeFile:
        return None


def unsafe_modules(folder: str | os.PathLike) -> list[str]:
    """The top-level `*.py` files of a learner's folder that are not safe to read, with why."""
    problems = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    for entry in names:
        if entry.endswith(".py"):
            try:
                read_learner_bytes(Path(folder) / entry, folder)
            except UnsafeFile as exc:
                problems.append(str(exc))
    return problems
