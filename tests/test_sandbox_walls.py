"""The sandbox's walls against a second determined learner (issue 16): sizes the grader
reads from what it allocates, one time budget per check, IPC and sessions refused,
prlimit only on itself, nothing outliving a check, native file readers refused, and an
environment living in the temporary directory kept visible to the child."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
import torch

from grader.sandbox.parent import confine, wire
from grader.sandbox.confine import Isolation, best_level
from grader.sandbox.parent import Limits, Sandbox

LEVELS = [lvl.value for lvl in (Isolation.NAMESPACES, Isolation.UID, Isolation.NONE) if lvl.rank <= best_level().rank]
CORRECT = ("def layer_norm(x, eps=1e-5):\n    m = x.mean(-1, keepdim=True)\n"
           "    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)\n")


@pytest.fixture(scope="module", params=LEVELS)
def box(request):
    sandbox = Sandbox(isolation=request.param)
    sandbox.start()
    yield sandbox
    sandbox.close()


@pytest.fixture
def unscanned(monkeypatch):
    import grader.verdict.runner as runner

    monkeypatch.setattr(runner, "scan_file", lambda *a, **k: ([], None))


def _check(course, tmp_path, box, source, slug="layer-norm", **kw):
    from grader.verdict.runner import check_problem

    problem = course.get(slug)
    path = tmp_path / f"{problem.module_name}.py"
    path.write_text(source)
    return check_problem(course, problem, file=path, sandbox=box, diagnose=False, localise=False, **kw)


# --------------------------------------------------------------------------- class 5: sizes
def _saved(t) -> bytes:
    buf = io.BytesIO()
    torch.save({"output": t}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("make", [lambda: torch.zeros(1).expand(2 ** 40),
                                  lambda: torch.zeros(1 << 21).as_strided((1 << 20, 1 << 20), (1, 1)),
                                  lambda: torch.zeros(1, dtype=torch.float64).expand(1 << 27)],
                         ids=["stride0-2^40", "overlapping-2^40", "stride0-1GiB"])
def test_a_view_claiming_more_than_it_holds_is_refused_not_copied(make):
    # A child's result is packed (never a torch file the grader reads); plain() is what
    # reduces any value to plain data, and it reads sizes before it copies.
    value = wire.plain({"output": make()})
    assert isinstance(value["output"], dict) and "__bad_type__" in value["output"]


def test_a_childs_torch_file_is_not_read_at_all():
    with pytest.raises(wire.ProtocolError, match="not packed"):
        wire.load_value(_saved(torch.zeros(1).expand(2 ** 40)))


def test_an_expanded_view_within_the_cap_is_copied():
    value = wire.plain({"output": torch.arange(3.0).expand(4, 3)})
    assert torch.equal(value["output"], torch.arange(3.0).expand(4, 3)) and value["output"].is_contiguous()


def test_the_copy_cap_is_for_the_whole_reply():
    big = torch.zeros(1 << 25)  # 128 MiB each, the storage sent as is
    value = wire.plain({"output": [big.expand(4, 1 << 25)[0] for _ in range(1)] + [torch.zeros(1).expand(1 << 25)] * 5})
    value = value["output"]
    kinds = ["bad" if isinstance(v, dict) else "tensor" for v in value]
    assert kinds[:4] == ["tensor"] * 4 and "bad" in kinds


# --------------------------------------------------------------------------- class 6: budget
SLOW = "import time, torch\n" + CORRECT.replace("    m = ", "    time.sleep(0.6)\n    m = ", 1)


def test_one_budget_for_the_whole_check(course, tmp_path, unscanned):
    box = Sandbox(isolation=LEVELS[0])
    try:
        assert box.level() is not None  # the zygote up: only the check is timed
        started = time.monotonic()
        report = _check(course, tmp_path, box, SLOW, limits=Limits(wall_seconds=2, check_seconds=2.5))
        took = time.monotonic() - started
    finally:
        box.close()
    assert took < 8, took
    spent = [c for c in report.cases if "total time budget (2.5 s) was spent" in c.message]
    assert spent and f"during case '{spent[0].name}'" in spent[0].message
    assert any(c.passed for c in report.cases)  # the cases before the budget ran out were judged


def test_the_budget_is_a_problem_limit(tmp_path):
    from grader.course.spec import LIMIT_KEYS

    assert "check_seconds" in LIMIT_KEYS
    assert Limits.from_config({"check_seconds": 12}).check_seconds == 12
    assert Limits.from_config({}).check_seconds == 30
    assert Limits.from_config({"wall_seconds": 30}).check_seconds == 60


# --------------------------------------------------------------------------- class 4: uid walls
IPC_AND_SESSIONS = """
import ctypes, os, torch
libc = ctypes.CDLL(None, use_errno=True)
results = {}
results['shmget'] = libc.shmget(0x6A7A6B01, 4096, 0o1666)
results['msgget'] = libc.msgget(0x6A7A6B02, 0o1666)
results['semget'] = libc.semget(0x6A7A6B03, 1, 0o1666)
try:
    os.setsid(); results['setsid'] = 0
except OSError:
    results['setsid'] = -1
try:
    os.setpgid(0, 0); results['setpgid'] = 0
except OSError:
    results['setpgid'] = -1


class R(ctypes.Structure):
    _fields_ = [('cur', ctypes.c_ulong), ('max', ctypes.c_ulong)]


low = R(1, 1)
results['prlimit_parent'] = libc.prlimit(os.getppid() or os.getpid() + 1, 0, ctypes.byref(low), None)
results['prlimit_self'] = libc.prlimit(0, 4, None, ctypes.byref(R()))
print('RESULTS', sorted(results.items()))
"""


def test_ipc_sessions_and_others_limits_are_refused(course, tmp_path, box, unscanned):
    report = _check(course, tmp_path, box, IPC_AND_SESSIONS + CORRECT)
    out = report.cases[0].output
    line = next(l for l in out.splitlines() if l.startswith("RESULTS"))
    results = dict(eval(line[len("RESULTS "):]))  # noqa: S307 - our own printed list
    assert results["prlimit_self"] == 0, line  # its own limits it may read
    assert all(results[k] == -1 for k in ("shmget", "msgget", "semget", "setsid", "setpgid", "prlimit_parent")), line
    assert report.passed


def test_nothing_outlives_the_check_even_after_leaving_its_group(course, tmp_path, box, unscanned):
    """The child sends every result itself, closes its pipes and keeps running: the
    supervisor ends it by pid, group and (uid level) uid."""
    marker = f"gsurv{os.getpid() % 10000}"
    source = open(Path(__file__).parent / "attacks" / "11_uid_walls" / "setsid_survivor.py").read()
    source = source.replace("gatk-survivor", marker).replace("time.sleep(120)", "time.sleep(20)")
    started = time.monotonic()
    _check(course, tmp_path, box, source)
    assert time.monotonic() - started < 15
    time.sleep(0.5)
    alive = [p for p in os.listdir("/proc") if p.isdigit() and _comm(p) == marker]
    assert not alive, f"{len(alive)} process(es) outlived the check"


def _comm(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


# --------------------------------------------------------------------------- class 3: files
FILE_READERS = """
import numpy, torch
outcomes = []
for name, read in [
    ("UntypedStorage.from_file", lambda: torch.UntypedStorage.from_file("/usr/lib/os-release", False, 8)),
    ("ByteStorage.from_file", lambda: torch.ByteStorage.from_file("/usr/lib/os-release", False, 8)),
    ("torch.from_file", lambda: torch.from_file("/usr/lib/os-release", size=8, dtype=torch.uint8)),
    ("numpy.rec.fromfile", lambda: numpy.rec.fromfile("/usr/lib/os-release", formats="u1", shape=8)),
    ("numpy.memmap", lambda: numpy.memmap("/usr/lib/os-release", dtype="u1", mode="r", shape=(8,))),
    ("numpy.fromfile", lambda: numpy.fromfile("/usr/lib/os-release", dtype="u1", count=8)),
    ("numpy.load", lambda: numpy.load("/usr/lib/os-release")),
    ("open_memmap", lambda: numpy.lib.format.open_memmap("/tmp/x.npy", mode="w+", dtype="u1", shape=(8,))),
]:
    try:
        read()
        outcomes.append(name + ":READ")
    except Exception as exc:
        outcomes.append(name + ":REFUSED")
print("OUTCOMES", outcomes)
"""


def test_native_file_readers_are_refused_at_every_level(course, tmp_path, box, unscanned):
    report = _check(course, tmp_path, box, FILE_READERS + CORRECT)
    line = next(l for l in report.cases[0].output.splitlines() if l.startswith("OUTCOMES"))
    assert "READ'" not in line and line.count("REFUSED") == 8, line


def test_the_uid_and_none_levels_read_only_the_python_installation(course, tmp_path, unscanned):
    """Landlock: a world-readable file outside the installation (here one made in the
    test's folder, and /etc/hostname) cannot be read by the child, whoever owns it."""
    if confine.landlock_abi() < 1:
        pytest.skip("no Landlock on this kernel")
    outside = tmp_path.parent / f"world-readable-{os.getpid()}.txt"
    outside.write_text("WORLD-READABLE-SECRET\n")
    os.chmod(outside, 0o644)
    os.chmod(tmp_path.parent, 0o755)
    source = (f"import torch\ntry:\n    print('GOT', open({str(outside)!r}).read())\nexcept OSError as exc:\n"
              f"    print('REFUSED', exc.errno)\n" + CORRECT)
    for level in ("uid", "none"):
        box = Sandbox(isolation=level)
        try:
            report = _check(course, tmp_path, box, source)
        finally:
            box.close()
        assert "WORLD-READABLE-SECRET" not in report.cases[0].output and "REFUSED" in report.cases[0].output
        assert report.passed, level
    outside.unlink()


def test_an_environment_in_the_temporary_directory_stays_visible():
    """The scratch is mounted before the binds: a Python environment under /tmp (here a
    fake one) is bound on top of the scratch, not hidden by it, and /tmp stays writable."""
    fake = Path(f"/tmp/grader-fake-env-{os.getpid()}")
    (fake / "lib").mkdir(parents=True, exist_ok=True)
    (fake / "lib" / "lazy_module.py").write_text("VALUE = 42\n")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            real_binds = confine._binds
            confine._binds = lambda hidden: [*real_binds(hidden), str(fake)]
            confine.enter_namespaces()
            inner = os.fork()
            if inner == 0:
                ok = b"?"
                try:
                    confine.build_root(confine.Plan(Isolation.NAMESPACES, ()))
                    seen = (fake / "lib" / "lazy_module.py").read_text() == "VALUE = 42\n"
                    with open("/tmp/scratch-write", "w") as fh:
                        fh.write("x")
                    ok = b"Y" if seen else b"N"
                finally:
                    os.write(w, ok)
                    os._exit(0)
            os.waitpid(inner, 0)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    os.waitpid(pid, 0)
    got = os.read(r, 1)
    os.close(r)
    (fake / "lib" / "lazy_module.py").unlink()
    os.removedirs(fake / "lib")
    assert got == b"Y", got
