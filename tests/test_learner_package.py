"""The learner's bundle installs a grader from itself, offline, with no line of reference
code in anything shipped or installed, and that grader checks problems from a workspace.

The bundle is exported once per module, its README's install command is run verbatim in
a fresh venv (system site packages give it torch; PIP_NO_INDEX keeps pip offline), and the
venv's own `grader` command does the checks."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import tokenize
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
import grader
from grader.course.loader import Course
from grader.instructor.export import export_student
from grader.instructor.learner_package import (
    LEARNER_DEPENDENCIES,
    LEARNER_NAME,
    REQUIRES_PYTHON,
    learner_spec,
)
from grader.instructor.wheel import WheelSpec, write_wheel
from test_batch import CORRECT, UNBIASED

NON_CODE_TOKENS = {tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                   tokenize.DEDENT, tokenize.ENDMARKER} | \
    {getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name)}
MIN_LINE = 16  # shorter lines (`return out`, `x = x + h`) say nothing about whose code it is


# --------------------------------------------------------------------------- what counts as reference code
def code_lines(source: str) -> set[str]:
    """The stripped lines of source holding code (not only strings, docstrings or comments)."""
    numbers = {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
               if token.type not in NON_CODE_TOKENS}
    lines = source.splitlines()
    return {lines[n - 1].strip() for n in numbers if len(lines[n - 1].strip()) >= MIN_LINE}


def public_text() -> str:
    """Everything the course publishes by design: statements, stubs, hints, judges, the grader
    itself, and the known mistakes' names, explanations and hints (checks print them)."""
    files = [p for p in (REPO / "problems").rglob("*") if p.is_file() and p.suffix not in (".pt", ".pyc")
             and "__pycache__" not in p.parts]
    files += [p for p in (REPO / "grader").rglob("*.py") if "course_data" not in p.parts]
    texts = [p.read_text(encoding="utf-8") for p in files]
    for problem in Course():
        texts += [f"{m.name}\n{m.explanation}\n{m.hint}" for m in getattr(problem.reference, "MISTAKES", [])]
    return "\n".join(texts)


@functools.cache
def secret_lines() -> dict[str, str]:
    """Reference code line -> its file, for every line of every reference/*.py not published anyway."""
    public = public_text()
    secrets = {}
    for path in sorted((REPO / "reference").glob("*.py")):
        for line in code_lines(path.read_text(encoding="utf-8")):
            if line not in public:
                secrets.setdefault(line, path.name)
    return secrets



def blobs(name: str, data: bytes):
    """(name, bytes) of a file and, for a zip (a wheel, a torch.save archive), of each member, recursively."""
    yield name, data
    if is_zip(data):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                yield from blobs(f"{name}!{member}", zf.read(member))


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def holds_text(name: str, data: bytes) -> bool:
    """Not a zip (its members are searched instead) nor raw tensor bytes (torch.save keeps
    those in <archive>/data/<n>: numbers, never text)."""
    return not is_zip(data) and re.search(r"\.pt!.*/data/\d+$", name) is None


def leaks(files: dict[str, bytes]) -> list[tuple[str, str, str]]:
    """(file, reference, line) for each reference code line found in files: as a whole line
    anywhere, and anywhere inside text."""
    secrets, found = secret_lines(), []
    for name, data in files.items():
        for blob_name, blob in blobs(name, data):
            text = blob.decode("utf-8", errors="replace")
            hits = {line.strip() for line in text.splitlines()} & secrets.keys()
            if holds_text(blob_name, blob):
                hits |= {line for line in secrets if line in text}
            found += [(blob_name, secrets[line], line) for line in sorted(hits)]
    return found


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_reference_is_recognisable_and_the_detector_finds_it():
    for path in sorted((REPO / "reference").glob("*.py")):
        own = [line for line, name in secret_lines().items() if name == path.name]
        assert len(own) >= 5, (path.name, own)  # enough distinctive lines to recognise a copy
        assert leaks({path.name: path.read_bytes()}), path.name
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:  # zipped, and not line by line
            zf.writestr("inner/some.txt", path.read_text().replace("\n", " ; "))
        assert leaks({"x.whl": archive.getvalue()}), path.name


# --------------------------------------------------------------------------- the package's identity
def test_the_learner_package_is_the_grader_under_its_own_name():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert tuple(project["dependencies"]) == LEARNER_DEPENDENCIES
    assert project["requires-python"] == REQUIRES_PYTHON
    assert project["version"] == grader.__version__ == learner_spec().version
    assert LEARNER_NAME != project["name"] == "llm-puzzles-grader"  # instructors keep the course's


def test_a_written_wheel_records_every_file_with_its_hash(tmp_path):
    spec = WheelSpec(name="demo-pkg", version="1.2", summary="s", requires_python=">=3.11",
                     dependencies=("torch>=2.2",), console_scripts=(("demo", "demo.cli:main"),), readme="# hi\n")
    path = write_wheel(spec, {"demo/__init__.py": b"X = 1\n", "demo/cli.py": b"def main(): pass\n"}, tmp_path)
    assert path.name == "demo_pkg-1.2-py3-none-any.whl"
    with zipfile.ZipFile(path) as zf:
        record = zf.read("demo_pkg-1.2.dist-info/RECORD").decode().splitlines()
        for row in record[:-1]:
            name, digest, size = row.split(",")
            data = zf.read(name)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
        assert record[-1] == "demo_pkg-1.2.dist-info/RECORD,,"
        assert len(record) == len(zf.namelist())
        metadata = zf.read("demo_pkg-1.2.dist-info/METADATA").decode()
        assert "Name: demo-pkg\nVersion: 1.2\n" in metadata and "Requires-Dist: torch>=2.2" in metadata
        assert zf.read("demo_pkg-1.2.dist-info/entry_points.txt").decode() == "[console_scripts]\ndemo = demo.cli:main\n"
    assert write_wheel(spec, {"demo/__init__.py": b"X = 1\n", "demo/cli.py": b"def main(): pass\n"},
                       tmp_path / "again").read_bytes() == path.read_bytes()  # reproducible


# --------------------------------------------------------------------------- installed from the bundle
def install_command(readme: str) -> str:
    """The shell command between the README's install-command markers (inside its code fence)."""
    block = re.search(r"<!-- install-command -->\s*```\w*\n(.*?)```\s*<!-- /install-command -->", readme, re.S)
    assert block, "the bundle's README must give its install command between the markers"
    return block.group(1).strip()


def offline_env(venv: Path) -> dict[str, str]:
    """The learner's shell: the venv first on PATH, no index, none of this checkout's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON", "PIP_", "VIRTUAL_ENV"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1", VIRTUAL_ENV=str(venv),
               GRADER_DAEMON_IDLE="30")  # the checks go through the warm server; it goes soon after
    return env


def make_venv(venv: Path) -> None:
    """A fresh venv seeing the system's torch. Without its own pip (whose old setuptools would
    shadow the one torch requires, and send pip to the index): `pip` runs the system's pip
    module with the venv's interpreter, so it installs into the venv."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    shim = venv / "bin" / "pip"
    shim.write_text('#!/bin/sh\nexec "$(dirname "$0")/python" -m pip "$@"\n')
    shim.chmod(0o755)


def run(args, cwd: Path, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          shell=isinstance(args, str))


class Installed:
    """A bundle, and a venv where its README's command installed the learner's grader."""

    def __init__(self, bundle: Path, venv: Path, bundled: dict):
        self.bundle, self.venv, self.bundled = bundle, venv, bundled
        self.env = offline_env(venv)

    def grader(self, *args: str, cwd: Path) -> subprocess.CompletedProcess:
        return run([str(self.venv / "bin" / "grader"), *args], cwd, self.env)

    def python(self, code: str) -> str:
        done = run([str(self.venv / "bin" / "python"), "-c", code], self.bundle, self.env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory, course) -> Installed:
    root = tmp_path_factory.mktemp("learner")
    bundle, venv = root / "bundle", root / "venv"
    bundled = {b.slug: b for b in export_student(course, bundle)}
    make_venv(venv)
    done = run(install_command((bundle / "README.md").read_text()), bundle, offline_env(venv))
    assert done.returncode == 0, done.stdout + done.stderr
    return Installed(bundle, venv, bundled)


def test_the_readme_names_the_package_and_one_install_command(installed):
    readme = (installed.bundle / "README.md").read_text()
    spec = learner_spec()
    command = install_command(readme).splitlines()
    # A CPU torch only when none is importable (a torch already installed is kept), then the wheel.
    assert command == ['python -c "import torch" 2>/dev/null || '
                       'pip install torch --index-url https://download.pytorch.org/whl/cpu',
                       f"pip install ./{spec.filename}"]
    assert "python3 -m venv .venv" in readme and "GPU build" in readme
    assert (installed.bundle / spec.filename).is_file()
    assert f"`{LEARNER_NAME}`" in readme and f"version {grader.__version__}" in readme
    assert "grader init my-work && cd my-work" in readme and "grader check layer-norm" in readme
    shown = installed.python("import importlib.metadata as m; print(m.version('llm-puzzles-learner'))")
    assert shown == grader.__version__


def installed_package_files(installed: Installed) -> dict[str, bytes]:
    """Every file pip installed for the learner's package (its RECORD), read from the venv."""
    package = Path(installed.python("import grader; print(grader.__file__)")).parent
    site = package.parent
    assert installed.venv in package.parents  # the venv's own grader, not this checkout's
    record = next(site.glob("llm_puzzles_learner-*.dist-info")) / "RECORD"
    names = [row.split(",")[0] for row in record.read_text().splitlines() if row]
    files = {name: (site / name).read_bytes() for name in names if (site / name).is_file()}
    assert any(name.startswith("grader/course_data/problems/layer-norm/") for name in files)
    assert any(name.endswith("bin/grader") for name in files)
    return files


def test_nothing_shipped_or_installed_holds_reference_code(installed):
    shipped = files_under(installed.bundle)
    assert not any("reference" in Path(name).parts for name in shipped)
    installed_files = installed_package_files(installed)
    assert not any("reference" in Path(name).parts[:-1] for name in installed_files)
    assert leaks(shipped) == []
    assert leaks(installed_files) == []


def test_the_installed_grader_checks_from_a_workspace(installed, tmp_path):
    assert installed.grader("init", "ws", cwd=tmp_path).returncode == 0
    workspace = tmp_path / "ws"
    stub = installed.grader("check", "layer-norm", cwd=workspace)
    assert stub.returncode == 1 and "not implemented" in stub.stdout
    (workspace / "layer_norm.py").write_text(textwrap.dedent(CORRECT))
    right = installed.grader("check", "layer-norm", cwd=workspace)
    assert right.returncode == 0, right.stdout + right.stderr
    (workspace / "layer_norm.py").write_text(textwrap.dedent(UNBIASED))
    wrong = installed.grader("check", "layer-norm", "--json", cwd=workspace)
    assert wrong.returncode == 1
    assert '"passed": false' in wrong.stdout and "unbiased variance" in wrong.stdout  # named offline
    assert installed.grader("--version", cwd=workspace).stdout.strip() == f"grader, version {grader.__version__}"


def test_every_shipped_problem_is_checkable_from_the_installed_grader(installed, tmp_path):
    assert all(b.checkable for b in installed.bundled.values()), \
        {s: b.reason for s, b in installed.bundled.items() if not b.checkable}
    assert installed.grader("init", "ws", cwd=tmp_path).returncode == 0
    for slug in ("kv-cache", "generate"):  # the two whose judges were the reference's
        done = installed.grader("check", slug, "--json", cwd=tmp_path / "ws")
        assert done.returncode == 1 and '"error_kind": "not-implemented"' in done.stdout, done.stdout + done.stderr


def test_validate_in_a_bundle_says_once_that_there_are_no_references(installed, tmp_path):
    """An instructor's command in a learner's installation: one usage error, not one error per problem."""
    text = installed.grader("validate", cwd=tmp_path)
    assert text.returncode == 2 and text.stderr.count("error:") == 1, text.stdout + text.stderr
    assert "no references" in text.stderr and "FAIL" not in text.stdout
    done = installed.grader("validate", "layer-norm", "--json", cwd=tmp_path)
    reply = json.loads(done.stdout)
    assert done.returncode == 2 and reply["error_kind"] == "usage-error" and "no references" in reply["error"]
