"""Learner files are read safely (issue 16, class 2): grader/policy/safe_files.py, and the check,
`grade`'s hashing and the child's trusted phase that use it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from grader.policy.safe_files import (
    UnsafeFile,
    learner_sha256,
    read_learner_bytes,
    read_learner_text,
    unsafe_modules,
)


def test_a_regular_file_of_the_folder_is_read(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    assert read_learner_text(tmp_path / "a.py", tmp_path) == "x = 1\n"


def test_a_link_inside_the_folder_is_followed(tmp_path):
    (tmp_path / "real.py").write_text("y = 2\n")
    (tmp_path / "alias.py").symlink_to(tmp_path / "real.py")
    assert read_learner_text(tmp_path / "alias.py", tmp_path) == "y = 2\n"


@pytest.mark.parametrize("target", ["/proc/self/environ", "/etc/shadow", "/dev/zero", "/etc/hostname"])
def test_a_link_out_of_the_folder_is_refused_without_reading(tmp_path, target):
    if not os.path.exists(target):
        pytest.skip(f"{target} does not exist here")
    (tmp_path / "helper.py").symlink_to(target)
    with pytest.raises(UnsafeFile) as err:
        read_learner_bytes(tmp_path / "helper.py", tmp_path)
    assert "outside your folder" in str(err.value)


def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "helper.py")
    done = []
    thread = threading.Thread(target=lambda: done.append(_refusal(tmp_path / "helper.py", tmp_path)), daemon=True)
    thread.start()
    thread.join(5)
    assert done and "not a regular file" in done[0]


def _refusal(path, folder) -> str:
    try:
        read_learner_bytes(path, folder)
    except UnsafeFile as exc:
        return str(exc)
    return "read"


def test_a_device_reached_inside_the_folder_is_refused(tmp_path):
    os.mknod(tmp_path / "zero.py", 0o600 | 0o020000, os.makedev(1, 5))  # a character device: /dev/zero
    assert "not a regular file" in _refusal(tmp_path / "zero.py", tmp_path)


def test_an_oversized_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.py"
    with open(big, "wb") as fh:
        fh.truncate(64 * 1024 * 1024)  # sparse: claims 64 MiB
    assert "larger than" in _refusal(big, tmp_path)


def test_a_file_its_folders_owner_cannot_read_is_refused(tmp_path):
    """At the uid level or on a class's folders: a root-only file hard-linked (or copied
    with its mode) into a folder owned by a learner is not read for them."""
    learner = 4321
    os.chown(tmp_path, learner, learner)
    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN = 'root-only'\n")
    os.chown(secret, 0, 0)
    os.chmod(secret, 0o600)
    assert "not readable by the owner" in _refusal(secret, tmp_path)
    os.chmod(secret, 0o644)
    assert read_learner_text(secret, tmp_path) == "TOKEN = 'root-only'\n"


def test_hashing_an_unsafe_submission_does_not_block_or_read(tmp_path):
    os.mkfifo(tmp_path / "layer_norm.py")
    assert learner_sha256(tmp_path / "layer_norm.py", tmp_path) is None
    assert unsafe_modules(tmp_path) and "layer_norm.py" in unsafe_modules(tmp_path)[0]


def test_grade_hashes_a_class_with_a_pipe_and_a_link(tmp_path, course):
    from grader.instructor.batch import find_submissions

    for learner in ("ann", "bob", "cy"):
        (tmp_path / learner).mkdir()
    (tmp_path / "ann" / "layer_norm.py").write_text("import torch\n")
    os.mkfifo(tmp_path / "bob" / "layer_norm.py")
    (tmp_path / "cy" / "layer_norm.py").symlink_to(tmp_path / "ann" / "layer_norm.py")
    found = find_submissions(tmp_path, course, ["layer-norm"])
    hashes = {s.learner: s.sha256 for s in found.submissions}
    assert hashes["ann"] and hashes["bob"] is None and hashes["cy"] is None


@pytest.mark.parametrize("make", ["fifo", "environ", "shadow", "dev_zero"])
def test_the_check_refuses_an_unsafe_helper_and_echoes_nothing(grade, tmp_path, make):
    helper = tmp_path / "helper.py"
    if make == "fifo":
        os.mkfifo(helper)
    else:
        helper.symlink_to({"environ": "/proc/self/environ", "shadow": "/etc/shadow", "dev_zero": "/dev/zero"}[make])
    report = grade("layer-norm", "import torch\nfrom helper import center\n\ndef layer_norm(x, eps=1e-5):\n"
                                 "    return center(x)\n")
    assert not report.passed and report.error_kind == "unreadable-file"
    assert "helper.py" in report.error
    text = report.error
    assert "PATH=" not in text and "root:" not in text and "\x00" not in text
