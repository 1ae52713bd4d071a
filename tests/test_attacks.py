"""Adversarial suite: every file under tests/attacks/<class>/ is a learner's submission
that attacks the grader; every file under tests/attacks/controls/ is a correct solution
in an unusual but legitimate style. See tests/attacks/README.md.

Run alone with `PYTHONPATH=$PWD python -m pytest -m attack` (pyproject's addopts leave
them out of the default run: today many of them fail, on purpose).

Each attack file starts with a docstring holding `Key: value` lines:

    Class: 3                          the attack class (the directory says it too)
    Problem: layer-norm               the slug it is graded as
    Goal: forge | read | banned | leave | change | crash | hang | memo
    Mode: inprocess | subprocess      subprocess: the check runs in a fresh grader process
                                      (tests/attacks/grader_driver.py), for attacks on the
                                      grader process itself (its pipes, stdout, life)
    Limits: wall_seconds=3 cpu_seconds=1 memory_mb=1024   (optional)
    Files: NAME.files                 (optional) a directory copied into the workspace
    Link: NAME -> reference/x.py      (optional) a symlink created in the workspace
    Bound: 60                         (optional) seconds the whole test may take
    Victim: einsum_layer_norm.py      (optional, subprocess) a control checked next in the same
                                      sandbox as another learner's submission; it must pass
    Scan: off                         (optional) the static scan sees nothing: the attack is on
                                      the second net (the sandbox), as in test_sandbox_attacks.py
    Fifo: helper.py                   (optional) a named pipe made in the workspace
    Secret: /etc/shadow               (optional) a file the learner may not read: no line of it
                                      may appear in the report
    Quiet: stdout                     (optional) nothing at all may reach the grader's stdout

An attack is CONTAINED when, after the check:
- the report is not passed (and scores 0 when forging is the goal) and the grader did
  not crash or hang (in-process: no exception, within the bound; subprocess: the
  driver exited 0 within the bound and wrote its report);
- no distinctive line of any reference module, and no other learner's secret, appears
  anywhere in the report (its JSON, printed output, messages, tracebacks);
- the grader's, the references', the problems' and the tests' files are unchanged
  (on a change they are restored from the snapshot taken before, and the test fails);
- the workspace's .grader/state.json is unchanged;
- no process the attack started is alive (marked by "GRADER_ATTACK_MARKER" in argv, a
  comm starting "gatk", a pid file /tmp/grader-attack-markers/gatk-pid-*, or, in
  subprocess mode, still in the driver's session); survivors are killed;
- no file named "gatk-left-*" appeared outside the scratch area (there is none today:
  /tmp, $HOME, the workspace, the repository all count as outside);
- no forged verdict was written to the test process's stdout (capfd) or the driver's
  stdout (the driver itself prints nothing).
A control must pass (score 1, no violation) with the same integrity checks.
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from grader.verdict.report import to_json
from grader.sandbox.parent import Limits

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ROOT / "tests" / "attacks"
DRIVER = ATTACKS / "grader_driver.py"
MARKER_DIR = Path("/tmp/grader-attack-markers")
ARGV_MARK = "GRADER_ATTACK_MARKER"
COMM_PREFIX = "gatk"
LEFT_MARK = "gatk-left-"
PID_PREFIX = "gatk-pid-"
FORGED = "FORGED-VERDICT"
GUARDED = ["grader", "reference", "problems", "tests"]
GUARDED_FILES = ["pyproject.toml"]
DEFAULT_BOUND = {"inprocess": 90, "subprocess": 60}

# Distinctive text of each hidden reference module that the grader never shows a learner
# (docstrings, code lines, private names; not case descriptions or mistake explanations,
# which reports show on purpose).
SENTINELS = {
    "layer_norm.py": ["Hidden reference for layer-norm", "# biased: divide by d",
                      "def _eps_outside(x, eps=1e-5):", "std = x.var(dim=-1, keepdim=True, unbiased=False).sqrt()"],
    "gelu.py": ["Hidden reference for gelu", "def _const_on_x_only(x):", "def spread(name, n, lo, hi",
                "_EXP_TANH = ("],
    "sample.py": ["Hidden reference for sample", "def _one_late_draw(probs, generator):",
                  "float64 so rounding never reaches a draw"],
    "_model.py": ["Shared hidden math for every model-level reference"],
}

KEYS = {"Class", "Problem", "Goal", "Mode", "Limits", "Files", "Link", "Bound", "Victim", "Scan", "Fifo", "Secret",
        "Quiet"}
# Planted in the grader's environment before the session's sandbox starts (tests/conftest.py):
# it must never reach a report.
CANARY_ENV = "GRADER_TEST_CANARY"


# --------------------------------------------------------------------------- discovery
def meta_of(path: Path) -> dict:
    """The `Key: value` lines of the file's leading docstring (read as text: some attack
    files are built to break parsers)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    m = re.match(r'\s*(?:[rRbBuU]*)("""|\'\'\')(.*?)\1', text, re.S)
    doc = m.group(2) if m else ""
    meta: dict = {"links": []}
    for line in doc.splitlines():
        km = re.match(r"^\s*([A-Z][a-z]+):\s*(.*?)\s*$", line)
        if km and km.group(1) in KEYS:
            key, value = km.group(1).lower(), km.group(2)
            if key == "link":
                meta["links"].append(value)
            else:
                meta.setdefault(key, value)
    return meta


def attack_files() -> list[Path]:
    return sorted(p for d in sorted(ATTACKS.glob("[0-9]*_*")) if d.is_dir() for p in d.glob("*.py"))


def control_files() -> list[Path]:
    return sorted((ATTACKS / "controls").glob("*.py"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# --------------------------------------------------------------------------- integrity
def _guarded_paths() -> list[Path]:
    out = [ROOT / f for f in GUARDED_FILES if (ROOT / f).exists()]
    for d in GUARDED:
        for p in (ROOT / d).rglob("*"):
            if p.is_file() and not p.is_symlink() and ".pytest_cache" not in p.parts:
                out.append(p)
    return sorted(out)


def snapshot() -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in _guarded_paths()}


def restore(before: dict[Path, tuple[bytes, int]]) -> list[str]:
    """Put every guarded file back as it was (content and mtime, so that cached bytecode
    stays valid); say what had changed."""
    changed = []
    now = set(_guarded_paths())
    for p, (data, mtime) in before.items():
        try:
            current = p.read_bytes()
        except OSError:
            current = None
        if current != data:
            changed.append(f"{p.relative_to(ROOT)} {'deleted' if current is None else 'modified'}")
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            os.utime(p, ns=(mtime, mtime))
    for p in sorted(now - set(before)):
        changed.append(f"{p.relative_to(ROOT)} created")
        if p.parts[len(ROOT.parts)] in ("grader", "reference", "problems") or p.suffix == ".pyc":
            p.unlink(missing_ok=True)
    return changed


@pytest.fixture(scope="session")
def compiled():
    """Byte-compile the grader, problems and references once, so that no legitimate import
    rewrites a .pyc during a test: any .pyc that changes was written by an attack."""
    for d in ("grader", "problems", "reference"):
        compileall.compile_dir(str(ROOT / d), quiet=1)
    return True


# --------------------------------------------------------------------------- processes
def _read(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def marked_processes(session: int | tuple[int, ...] | None = None) -> dict[int, str]:
    """Processes an attack started: marked in argv or comm, named in a pid file, or (for a
    driver run) still in the driver's session or its zygote's (a session of its own). {pid: why}."""
    sessions = {session} if isinstance(session, int) else set(session or ())
    me = os.getpid()
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        pid = int(entry)
        comm = _read(f"/proc/{pid}/comm").strip()
        cmd = _read(f"/proc/{pid}/cmdline")
        stat = _read(f"/proc/{pid}/stat")
        if ") Z" in stat:
            continue
        if comm.startswith(COMM_PREFIX) or ARGV_MARK in cmd:
            found[pid] = f"marked ({comm!r}: {cmd[:80]!r})"
        elif sessions:
            try:
                if os.getsid(pid) in sessions:
                    found[pid] = f"in the grader's session ({comm!r}: {cmd[:80]!r})"
            except OSError:
                pass
    if MARKER_DIR.is_dir():
        for f in MARKER_DIR.glob(PID_PREFIX + "*"):
            try:
                pid = int(f.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            # Only a pid whose process still carries the attack's mark: in a pid namespace the
            # number may name some other process of this machine.
            comm = _read(f"/proc/{pid}/comm").strip()
            if comm.startswith(COMM_PREFIX) or ARGV_MARK in _read(f"/proc/{pid}/cmdline"):
                found.setdefault(pid, f"named in {f.name}")
    return found


def kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def survivors(session: int | tuple[int, ...] | None = None) -> dict[int, str]:
    """Marked processes still alive after a short grace (a process exiting on its own is
    not a survivor); they are killed."""
    deadline = time.monotonic() + 1.0
    alive = marked_processes(session)
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = marked_processes(session)
    if alive:
        # Their children too (a marked shell's `sleep`), found before the parents die.
        victims = set(alive) | descendants(set(alive))
        kill_all(victims)
        time.sleep(0.2)
        kill_all(marked_processes(session))
    return alive


def descendants(roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _read(f"/proc/{entry}/stat")
            try:
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out: set[int] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out and child != os.getpid():
                out.add(child)
                todo.append(child)
    return out


# --------------------------------------------------------------------------- left files
def left_files(places: list[Path]) -> list[Path]:
    found = []
    for place in places:
        if not place.is_dir():
            continue
        deep = place != Path("/tmp") and place != Path.home()
        it = place.rglob("*") if deep else place.iterdir()
        try:
            for p in it:
                if LEFT_MARK in p.name:
                    found.append(p)
        except OSError:
            pass
    return found


def remove(paths) -> None:
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                p.unlink()
            except OSError:
                pass


def _remove_empty_user_site() -> None:
    """An attack may create ~/.local/lib/pythonX.Y/site-packages to drop a .pth there:
    remove those directories again when they are empty."""
    import site

    try:
        os.removedirs(site.getusersitepackages())
    except OSError:
        pass


def clean_marker_dir() -> None:
    if MARKER_DIR.is_dir():
        remove(list(MARKER_DIR.iterdir()))
    MARKER_DIR.mkdir(exist_ok=True)


# --------------------------------------------------------------------------- running
class AttackTimeout(BaseException):
    """Raised by the watchdog into an in-process check that does not end."""


def _limits(meta: dict) -> Limits | None:
    if not meta.get("limits"):
        return None
    kw = {}
    for part in meta["limits"].split():
        k, v = part.split("=")
        kw[k] = float(v) if k in ("wall_seconds", "check_seconds") else int(v)
    return Limits(**kw)


def prepare_workspace(ws: Path, path: Path, meta: dict, slug: str) -> dict:
    files = meta.get("files")
    if files:
        src = path.parent / files
        for p in sorted(src.rglob("*")):
            target = ws / p.relative_to(src)
            if p.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, target)
    for link in meta["links"]:
        name, target = (s.strip() for s in link.split("->"))
        (ws / name).symlink_to(ROOT / target)
    if meta.get("fifo"):
        os.mkfifo(ws / meta["fifo"])
    state = ws / ".grader" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"problems": {slug: {"attempts": 1, "last_verdict": "failed", "stub_sha": "0" * 64}}},
                                indent=2, sort_keys=True))
    # Another learner's submission beside this one, as in `grader grade submissions/`.
    secret = f"OTHER-LEARNER-SECRET-{uuid.uuid4().hex}"
    other = ws.parent / f"other-learner-{uuid.uuid4().hex[:8]}"
    other.mkdir()
    (other / path.name).write_text(f"# {secret}\n")
    (other / "gradebook.sqlite").write_text(f"{secret}\n")
    return {"state": state, "state_bytes": state.read_bytes(), "secret": secret, "other": other}


def run_inprocess(grade, slug, source, limits, bound) -> tuple[dict | None, str | None]:
    def alarm(signum, frame):
        raise AttackTimeout()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(bound))
    try:
        report = grade(slug, source, limits=limits)
        return json.loads(to_json(report)), None
    except AttackTimeout:
        return None, f"the grader hung (no verdict within {bound} s)"
    except BaseException as exc:  # noqa: BLE001 - a crash of the grader is the finding
        return None, f"the grader crashed: {type(exc).__name__}: {str(exc)[:300]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_subprocess(ws: Path, slug: str, module: str, limits, bound,
                   victim: list[str] = ()) -> tuple[dict | None, str | None, str, int]:
    out = ws.parent / f"{ws.name}-report.json"
    limits_json = json.dumps(limits.__dict__) if limits else "null"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.Popen([sys.executable, str(DRIVER), slug, str(ws / f"{module}.py"), str(ws), str(out),
                             limits_json, *victim], cwd=str(ws.parent), env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the driver's own group (its zygote, in a session of its own, dies with it)
        except OSError:
            pass
        stdout, stderr = proc.communicate()
        return None, f"the grader hung (no verdict within {bound} s)", stdout.decode("utf-8", "replace"), _sessions(proc, out)
    text = stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        how = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        return None, f"the grader crashed ({how}): {tail[0][:300]}", text, _sessions(proc, out)
    try:
        return json.loads(out.read_text()), None, text, _sessions(proc, out)
    except (OSError, ValueError) as exc:
        return None, f"the grader wrote no readable report ({exc})", text, _sessions(proc, out)
    finally:
        out.unlink(missing_ok=True)
        Path(f"{out}.zygote").unlink(missing_ok=True)


def _sessions(proc, out: Path) -> tuple[int, ...]:
    """The driver's session and its zygote's (grader/sandbox/zygote_launch.py starts the zygote
    in a session of its own), as the driver wrote it."""
    try:
        return (proc.pid, int(Path(f"{out}.zygote").read_text()))
    except (OSError, ValueError):
        return (proc.pid,)


def forged_verdict(text: str) -> bool:
    return FORGED in text or re.search(r'"passed"\s*:\s*true', text) is not None


def haystack(report: dict | None) -> str:
    if report is None:
        return ""
    raw = [json.dumps(report)]
    for c in report.get("cases", []):
        raw += [c.get("output") or "", c.get("message") or "", c.get("traceback") or ""]  # traceback: null when none
    raw += [report.get("error") or "", json.dumps(report.get("localisation", []), ensure_ascii=False)]
    return "\n".join(raw)


def ensure_sandbox(sandbox) -> None:
    """Keep the session's sandbox usable for the next test: an attack may have killed its
    zygote. (Defensive: the sandbox's internals may change.)"""
    try:
        pid = getattr(sandbox, "pid", None)
        if pid is None:
            return
        stat = _read(f"/proc/{pid}/stat")
        if not stat or ") Z" in stat or ") X" in stat:
            sandbox.close()
            sandbox.start()
    except Exception:  # noqa: BLE001 - the next test will say what is wrong
        pass


def _secret_lines(meta: dict) -> list[str]:
    """Lines of the `Secret:` file (read here, as root) and the planted environment canary."""
    lines = [os.environ[CANARY_ENV]] if os.environ.get(CANARY_ENV) else []
    if meta.get("secret"):
        try:
            text = Path(meta["secret"]).read_text(errors="replace")
        except OSError:
            text = ""
        lines += [line for line in text.splitlines() if len(line.strip()) >= 8]
    return lines


def check(path: Path, tmp_path: Path, grade, sandbox, capfd, control: bool, monkeypatch=None) -> None:
    meta = meta_of(path)
    if meta.get("scan", "").lower() == "off" and monkeypatch is not None:
        import grader.verdict.runner as runner

        monkeypatch.setattr(runner, "scan_file", lambda *a, **k: ([], None))
        monkeypatch.setattr(runner, "scan_source", lambda *a, **k: ([], None))
    slug = meta.get("problem", "layer-norm")
    mode = meta.get("mode", "inprocess")
    goal = meta.get("goal", "")
    bound = float(meta.get("bound", DEFAULT_BOUND[mode]))
    limits = _limits(meta)
    module = slug.replace("-", "_")
    problems: list[str] = []

    clean_marker_dir()
    kill_all(marked_processes())
    before = snapshot()
    ctx = prepare_workspace(tmp_path, path, meta, slug)
    source = path.read_text(encoding="utf-8")
    capfd.readouterr()
    started = time.monotonic()
    session = None
    driver_stdout = ""
    try:
        if mode == "subprocess":
            (tmp_path / f"{module}.py").write_text(source)
            victim = []
            if meta.get("victim"):
                # Another learner's correct solution, checked next in the same sandbox.
                victim_ws = ctx["other"] / "victim"
                victim_ws.mkdir()
                victim_file = victim_ws / f"{module}.py"
                victim_file.write_text((ATTACKS / "controls" / meta["victim"]).read_text())
                victim = [str(victim_file), str(victim_ws), str(ctx["other"] / "victim-report.json")]
            report, failure, driver_stdout, session = run_subprocess(tmp_path, slug, module, limits, bound, victim)
            if victim and not failure:
                try:
                    other = json.loads(Path(victim[2]).read_text())
                    if not other["passed"]:
                        bad = [c["message"] for c in other["cases"] if not c["passed"]][:1]
                        problems.append(f"another learner's correct solution, checked next, failed: {bad}")
                except (OSError, ValueError, KeyError) as exc:
                    problems.append(f"another learner's check, run next, gave no report ({exc})")
        else:
            report, failure = run_inprocess(grade, slug, source, limits, bound)
        took = time.monotonic() - started
        out, err = capfd.readouterr()

        # The verdict.
        if failure:
            problems.append(failure)
        elif control:
            if not (report["passed"] and report["score"] == 1.0 and not report["violations"]):
                bad = [f"{c['name']}: {c['message']}" for c in report["cases"] if not c["passed"]]
                problems.append(f"a correct solution did not pass: score {report['score']}, violations "
                                f"{report['violations']}, {bad[:3]} {report.get('error') or ''}")
        else:
            if report["passed"]:
                problems.append(f"verdict forged or banned API unreported: passed with score {report['score']}")
            elif goal == "forge" and report["score"] != 0:
                problems.append(f"score forged: {report['score']} for an answer wrong on every case")
        if took > bound:
            problems.append(f"the check took {took:.0f} s, over the {bound:.0f} s bound")

        # What leaked into the report.
        hay = haystack(report)
        for ref, lines in SENTINELS.items():
            for line in lines:
                if line in hay:
                    problems.append(f"hidden reference text from reference/{ref} in the report: {line!r}")
                    break
        if ctx["secret"] in hay:
            problems.append("another learner's file was read into the report")
        for line in _secret_lines(meta):
            if line in hay:
                problems.append(f"a secret the learner may not read is in the report: {line[:40]!r}...")
                break
        if meta.get("quiet") == "stdout" and out.strip():
            problems.append(f"something reached the grader's stdout: {out[:120]!r}")

        # The learner's progress.
        if ctx["state"].read_bytes() != ctx["state_bytes"] if ctx["state"].exists() else True:
            problems.append(".grader/state.json was changed or removed")

        # Stdout of the grader: a forged verdict there is what a caller of
        # `grader check --json` or an autograder would read.
        if forged_verdict(out + err):
            problems.append(f"a forged verdict reached the test process's stdout/stderr: {(out + err)[:200]!r}")
        if forged_verdict(driver_stdout):
            problems.append(f"a forged verdict reached the grader process's stdout: {driver_stdout[:200]!r}")
    finally:
        # Clean-up, always: processes, left files, the grader's files, the other learner.
        alive = survivors(session)
        if alive:
            problems.append(f"{len(alive)} process(es) outlived the check, killed: {list(alive.values())[:3]}")
        places = [MARKER_DIR, Path("/tmp"), Path.home(), Path.home() / ".local", tmp_path, tmp_path.parent, ROOT]
        left = left_files(places)
        rce = [p for p in left if p.name.startswith(LEFT_MARK + "rce")]
        if rce:
            problems.append(f"the attack's code ran in the grader process (it left {rce[0]})")
        left = [p for p in left if p not in rce] + rce
        if len(left) > len(rce):
            problems.append(f"{len(left) - len(rce)} file(s) left outside a scratch area: "
                            f"{[str(p) for p in left[:3]]}")
        remove(left)
        _remove_empty_user_site()
        clean_marker_dir()
        changed = restore(before)
        if changed:
            problems.append(f"grader/course files changed (restored): {changed[:5]}")
        shutil.rmtree(ctx["other"], ignore_errors=True)
        if mode == "inprocess":
            ensure_sandbox(sandbox)
    assert not problems, f"{_id(path)} NOT CONTAINED:\n  - " + "\n  - ".join(problems)


# --------------------------------------------------------------------------- the tests
@pytest.mark.attack
@pytest.mark.parametrize("path", attack_files(), ids=_id)
def test_attack_is_contained(path, tmp_path, grade, sandbox, capfd, compiled, monkeypatch):
    check(path, tmp_path, grade, sandbox, capfd, control=False, monkeypatch=monkeypatch)


@pytest.mark.attack
@pytest.mark.parametrize("path", control_files(), ids=_id)
def test_control_passes(path, tmp_path, grade, sandbox, capfd, compiled):
    check(path, tmp_path, grade, sandbox, capfd, control=True)


@pytest.mark.attack
def test_suite_is_well_formed():
    """Sentinels still name text the references contain; every attack names its class,
    problem and goal; enough attacks per class."""
    for ref, lines in SENTINELS.items():
        text = (ROOT / "reference" / ref).read_text()
        for line in lines:
            assert line in text, f"sentinel {line!r} is no longer in reference/{ref}"
    per_class: dict[str, int] = {}
    for path in attack_files():
        meta = meta_of(path)
        assert {"class", "problem", "goal"} <= set(meta), f"{path}: docstring lacks Class/Problem/Goal"
        assert meta["class"] == path.parent.name.split("_")[0], f"{path}: Class does not match its directory"
        per_class[meta["class"]] = per_class.get(meta["class"], 0) + 1
    assert all(per_class.get(str(c), 0) >= 5 for c in range(1, 8)), per_class
    assert len(control_files()) >= 8
