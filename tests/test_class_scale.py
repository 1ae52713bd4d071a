"""A class at scale: the work every learner shares computed once per problem and seed,
a memory limit that stops the rest of a check, batch feedback equal to `grader check`'s
and the same in every run, and the reason (error_kind) in every export."""

import csv
import json
import shutil
import threading

import pytest

from grader.verdict import diagnose
from grader.instructor.batch import SandboxPool, find_submissions, grade_class
from grader.course.loader import cached_module
from grader.instructor.gradebook import Gradebook, verdict_of
from grader.verdict.results import CaseResult, Report
from grader.verdict.runner import check_problem
from grader.sandbox.parent import Limits

from conftest import REPO
from test_batch import CORRECT, UNBIASED, make_class



@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        yield p


def test_a_memory_limit_skips_the_remaining_cases_like_a_time_limit(grade):
    source = "import torch\ndef layer_norm(x, eps=1e-5):\n    return torch.empty(50_000_000_000)\n"
    report = grade("layer-norm", source, limits=Limits(wall_seconds=5, cpu_seconds=2, memory_mb=512))
    assert report.cases[0].status == "memory-limit"
    assert len(report.cases) > 1 and all(c.status == "skipped" for c in report.cases[1:])


def test_a_module_loaded_by_two_threads_at_once_is_never_seen_half_made(tmp_path):
    # The cause of batch feedback that differed between runs: a problem's properties module,
    # loaded lazily by the first two wrong files' threads at once, read half-executed by one.
    path = tmp_path / "slow_module.py"
    path.write_text("import time\ntime.sleep(0.3)\nVALUE = 42\n")
    seen, errors = [], []

    def load():
        try:
            seen.append(cached_module(f"_grader_test_slow@{tmp_path}", path).VALUE)
        except AttributeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and seen == [42] * 4


# Held-out wrong files that only the evidence layer names (no known mistake matches them),
# the kind whose diagnosis a run could lose: the two files graded first of a problem both
# reach its lazily loaded properties module at once.
EVIDENCE_FILES = {
    "attention": ["heldout5/wrong/attention/02_flipped_causal_mask.py",
                  "heldout6/wrong/attention/05_merge_heads_interleaved.py"],
    "layer-norm": ["heldout/wrong/layer-norm/04_uncentred_variance.py", "heldout/wrong/layer-norm/07_float32_cast.py",
                   "heldout2/wrong/layer-norm/03_uncentred_var.py"],
    "gelu": ["heldout2/wrong/gelu/04_sigmoid_no_2.py", "heldout2/wrong/gelu/05_sqrt_pi_over_2.py"],
}


def _evidence_class(root):
    """One folder per file, problem after problem: the files of one problem are graded side by side."""
    for slug, paths in EVIDENCE_FILES.items():
        for i, path in enumerate(paths):
            folder = root / f"{slug}-{i}"
            folder.mkdir(parents=True)
            shutil.copy(REPO / "benchmarks" / "solution_sets" / path, folder / f"{slug.replace('-', '_')}.py")
    return root


def _diagnoses(book):
    return {(r["learner"], r["problem"]): (r["verdict"], r["score"], (r["diagnosis"] or {}).get("name"))
            for r in book.rows()}


def test_batch_feedback_is_the_same_in_every_run_and_equals_grader_check(tmp_path, course, pool, sandbox):
    root = _evidence_class(tmp_path / "subs")
    found = find_submissions(root, course)
    runs = []
    for run in range(2):
        with Gradebook(tmp_path / f"book{run}.sqlite") as book:
            grade_class(course, found, book, pool, seed=31337)
            runs.append(_diagnoses(book))
    assert runs[0] == runs[1]
    named = 0
    for sub in (s for s in found.submissions if s.path is not None):
        report = check_problem(course, course.get(sub.slug), file=sub.path, workspace=sub.path.parent, seed=31337,
                               sandbox=sandbox, localise=False)
        alone = (verdict_of(report), report.score, (report.diagnosis or {}).get("name"))
        assert runs[0][(sub.learner, sub.slug)] == alone, sub.path
        named += alone[2] is not None
    assert named == len(EVIDENCE_FILES["attention"]) + len(EVIDENCE_FILES["layer-norm"]) + len(EVIDENCE_FILES["gelu"])


def test_the_work_a_class_shares_is_done_once_per_problem(tmp_path, course, pool, monkeypatch):
    root = make_class(tmp_path / "subs", {f"l{i}": {"layer_norm.py": UNBIASED if i % 2 else CORRECT}
                                          for i in range(6)})
    calls = []
    real = diagnose._outputs_of
    monkeypatch.setattr(diagnose, "_outputs_of", lambda *a: calls.append((a[1].name, a[2].name)) or real(*a))
    with Gradebook(tmp_path / "book.sqlite") as book:
        grade_class(course, find_submissions(root, course), book, pool, seed=5)
        rows = book.rows()
    problem = course.get("layer-norm")
    n_cases = len(problem.reference.cases(5))
    # Once for the class, not once per wrong file; and only what a check asked for (the
    # catalogue stops reading a mistake at its first case that disagrees).
    assert calls and len(calls) == len(set(calls)) < len(problem.reference.MISTAKES) * n_cases
    matched = [case for name, case in calls if name == "unbiased variance"]
    assert len(matched) == n_cases  # the mistake that fits was compared on every case
    wrong = [r for r in rows if not r["passed"]]
    assert len(wrong) == 3 and all(r["diagnosis"]["name"] == "unbiased variance" for r in wrong)


def test_class_work_computes_each_shared_value_once_under_concurrent_checks(course):
    from grader.verdict.class_work import prepare_class_work

    problem = course.get("layer-norm")
    work = prepare_class_work(problem, 5)
    fresh = diagnose.mistake_outputs_on(problem, list(work.cases))
    got, barrier = [], threading.Barrier(4)

    def read():
        barrier.wait()
        got.append({(i, c.name): work.mistake_output(i, c) for i in range(len(problem.reference.MISTAKES))
                    for c in work.cases})

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    import torch

    def same(a, b):
        return (a is None and b is None) or (isinstance(a, torch.Tensor) and torch.allclose(a, b, 0, 0, equal_nan=True))

    assert len(got) == 4 and all(g.keys() == fresh.keys() for g in got)
    assert all(same(g[k], fresh[k]) and g[k] is got[0][k] for g in got for k in fresh)  # one object, computed once
    assert work.stages is work.stages and work.properties is work.properties and len(work.properties) > 0


def _report(statuses, error_kind=None, error=None):
    cases = [CaseResult(f"case {i}", status == "ok", f"{status}: why", status=status) for i, status in
             enumerate(statuses)]
    score = sum(c.passed for c in cases) / len(cases) if cases else 0.0
    return Report("layer-norm", "Layer normalisation", "x.py", 1, cases=cases, error=error, error_kind=error_kind,
                  passed=bool(cases) and score == 1.0, score=score)


@pytest.mark.parametrize("kind", ["timeout", "cpu-limit", "memory-limit", "exited", "crashed"])
def test_every_export_gives_the_reason_a_check_stopped(tmp_path, kind):
    from grader.instructor.class_report import render_html

    with Gradebook(tmp_path / "book.sqlite") as book:
        book.record("ada", "layer-norm", _report(["ok", kind, "skipped"]), file="x.py", sha256="0")
        book.record("bob", "layer-norm", _report(["ok", "ok", "ok"]), file="y.py", sha256="1")
        book.export_csv(tmp_path / "out.csv")
        book.export_json(tmp_path / "out.json")
        page = render_html(book.rows(), seed=1)
    with open(tmp_path / "out.csv", newline="") as fh:
        rows = {r["learner"]: r for r in csv.DictReader(fh)}
    assert rows["ada"]["error_kind"] == kind and rows["ada"]["error"] == f"case 1: {kind}: why"
    assert rows["bob"]["error_kind"] == ""
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["learners"]["ada"]["problems"]["layer-norm"]["error_kind"] == kind
    assert f"data-stopped='{kind}'" in page and "data-stopped=" not in page.replace(f"data-stopped='{kind}'", "")


def test_a_whole_check_stopped_keeps_its_own_kind(tmp_path):
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.record("ada", "layer-norm", _report([], "syntax-error", "syntax error at x.py:2"), file="x.py")
        assert book.rows()[0]["error_kind"] == "syntax-error"


def test_memory_limits_and_system_exit_are_named_in_a_graded_class(tmp_path, course, pool):
    root = make_class(tmp_path / "subs", {
        "mem": {"layer_norm.py": "import torch\ndef layer_norm(x, eps=1e-5):\n    return torch.empty(50_000_000_000)\n"},
        "bye": {"layer_norm.py": "import sys\ndef layer_norm(x, eps=1e-5):\n    sys.exit(3)\n"},
        "ok": {"layer_norm.py": CORRECT},
    })
    with Gradebook(tmp_path / "book.sqlite") as book:
        grade_class(course, find_submissions(root, course), book, pool, seed=9)
        kinds = {r["learner"]: r["error_kind"] for r in book.rows()}
    assert kinds == {"mem": "memory-limit", "bye": "exited", "ok": None}


def test_gradebook_weights_problems_with_points(tmp_path):
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.record("ada", "layer-norm", _report(["ok", "ok"]), file="x.py")
        book.record("ada", "gelu", None, verdict="missing")
        data = book.to_json({"layer-norm": 3})
    entry = data["learners"]["ada"]
    assert (entry["total"], entry["max"]) == (3.0, 4.0)


def test_the_last_cases_output_is_whole_though_the_childs_exit_is_not_waited_for(grade):
    # The watch ends when every case came back (grader/sandbox/parent.py): what the last case printed,
    # more than a pipe holds, is read before the child is ended, and a check after it is unaffected.
    source = ("import torch\nCALLS = [0]\ndef layer_norm(x, eps=1e-5):\n    CALLS[0] += 1\n"
              "    print(f'call {CALLS[0]} ' + 'x' * 70_000 + ' end')\n"
              "    mean = x.mean(-1, keepdim=True)\n"
              "    return (x - mean) / torch.sqrt(((x - mean) ** 2).mean(-1, keepdim=True) + eps)\n")
    for _ in range(2):
        report = grade("layer-norm", source)
        assert report.passed
        last = report.cases[-1]
        assert last.output.startswith(f"call {len(report.cases)} ")
        assert len(last.output) + last.output_truncated == len(f"call {len(report.cases)} ") + 70_000 + len(" end\n")


def test_a_classs_cases_are_encoded_once_and_never_stale():
    import torch

    from grader.sandbox import wire
    from grader.sandbox.parent import JobCase, encoded_cases

    x = torch.arange(6.0)
    cases = [JobCase({"x": x}, {"k": 1}, "a")]
    first = encoded_cases(cases)
    assert encoded_cases([JobCase({"x": x}, {"k": 1}, "a")]) is first  # another learner's job, the same inputs
    x.add_(1)  # an in-place edit: the bytes are made again, with the new values
    changed = encoded_cases(cases)
    assert changed != first and torch.equal(wire.load_trusted(changed)[0]["inputs"]["x"], torch.arange(1.0, 7.0))
    assert encoded_cases([JobCase({"x": x}, {"k": 2}, "a")]) != encoded_cases(cases)  # other options: other bytes


def test_a_job_frame_names_its_cases_and_the_zygote_side_reads_known_ones_without_decoding():
    import torch

    from grader.sandbox import wire
    from grader.sandbox.parent import Job, JobCase, job_frame, read_job

    x = torch.arange(4.0)
    job = Job(entry="f", module_name="m", cases=[JobCase({"x": x}, {}, "a")], banned=["eval"])
    frames = []
    for _ in range(2):
        header, payload = wire.FrameReader(1 << 30).feed(job_frame(job, [], job="check"))[0]
        frames.append((header, payload))
    (first, raw), (second, _) = frames
    assert first["spec"]["banned"] == ["eval"] and first["spec"]["entry"] == "f"  # the spec is plain JSON
    assert first["cases"]["digest"] == second["cases"]["digest"]
    assert (first["cases"]["shared"], second["cases"]["shared"]) == (False, True)  # sent before: a class's cases
    spec, cases = read_job(first, raw)
    assert spec["module_name"] == "m" and torch.equal(cases[0]["inputs"]["x"], x)
    held = [{"inputs": {"x": torch.zeros(1)}, "options": {}, "name": "held"}]
    assert read_job(second, b"not a torch file", {second["cases"]["digest"]: held})[1] is held


def test_a_zygote_keeps_a_classs_cases_and_still_runs_every_check_on_them(tmp_path):
    """The second and third checks on the same cases read them from what the zygote holds: the
    results are those of the cases sent (an in-place edit between checks is new cases)."""
    import torch

    from grader.sandbox.parent import Job, JobCase, Sandbox
    from grader.sandbox.status import Status

    (tmp_path / "twice.py").write_text("def twice(x):\n    return x * 2\n")
    x = torch.arange(3.0)
    cases = [JobCase({"x": x}, {}, "a")]
    with Sandbox() as box:
        outs = []
        for edit in (False, False, False, True):
            if edit:
                x.add_(10)
            job = Job(entry="twice", module_name="twice", cases=cases, learner_file=str(tmp_path / "twice.py"),
                      workspace=str(tmp_path))
            outcome = box.run_check(job)[0]
            assert outcome.status == Status.OK, outcome.message
            outs.append(outcome.value["output"])
    for out in outs[:3]:
        assert torch.equal(out, torch.arange(3.0) * 2)
    assert torch.equal(outs[3], (torch.arange(3.0) + 10) * 2)


def _same_value(a, b) -> bool:
    import torch

    if isinstance(a, torch.Tensor):
        return type(b) is torch.Tensor and a.dtype == b.dtype and a.shape == b.shape and b.is_contiguous() \
            and torch.equal(a, b)
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and (a == b or (a != a and b != b))


def test_a_packed_result_reads_back_as_the_torch_file_did():
    """A child's result packed (no unpickler in the grader) is the value plain() makes of it,
    a learner's dict key that looks like a marker included."""
    import torch

    from grader.sandbox import wire
    from grader.sandbox.child import sanitize

    value = sanitize({"output": torch.randn(2, 3, 5)[:, 1], "inputs_after": {"ids": torch.arange(6).view(2, 3)},
                      "~t": 0, "k": {"~dict": [1, 2]}, "odd": [None, True, 2 ** 70, -0.0, float("nan"), "é\u202e"],
                      "kinds": [torch.zeros(0, 4), torch.tensor(True), torch.ones(3, dtype=torch.bfloat16),
                                torch.tensor([1 + 2j]), torch.arange(3, dtype=torch.int8)]})
    packed = wire.dump_plain(value)
    assert packed.startswith(wire.PACKED_MAGIC)
    assert _same_value(wire.plain(value), wire.load_value(packed))


def test_a_forged_packed_result_is_a_protocol_error_never_a_crash():
    import json
    import struct

    import pytest
    import torch

    from grader.sandbox import wire

    def forged(head: dict, tail: bytes = b"\0" * 64) -> bytes:
        text = json.dumps(head).encode()
        start = len(wire.PACKED_MAGIC) + 8 + len(text)
        return wire.PACKED_MAGIC + struct.pack("!Q", len(text)) + text + b"\0" * (-start % 16) + tail

    assert torch.equal(wire.load_value(forged({"v": {"x": {"~t": 0}}, "t": [["float32", [4], 0]]}))["x"],
                       torch.zeros(4))  # the forger's frame itself is well-formed
    for head in ({"v": {"~t": 0}, "t": [["float32", [100], 0]]},  # more bytes than were sent
                 {"v": {"~t": 0}, "t": [["float32", [2], 4]]},  # off its boundary
                 {"v": {"~t": 0}, "t": [["float32", [1 << 20, 1 << 20], 0]]},  # a terabyte claimed
                 {"v": {"~t": 0}, "t": [["object", [1], 0]]},  # no such dtype
                 {"v": {"~t": 3}, "t": [["float32", [1], 0]]},  # a tensor it does not hold
                 {"v": {"~t": 0}, "t": [["float32", [-1], 0]]},
                 {"v": {"~dict": [[1]]}, "t": []},
                 {"v": {"~dict": [[{"a": 1}, 2]]}, "t": []},  # a key that cannot be one
                 {"v": 1}):
        with pytest.raises(wire.ProtocolError):
            wire.load_value(forged(head))
    # A dict key that is no string reads back (the variant cache keeps such keys: one layout
    # for both), and plain() makes it the marker the judge reports.
    assert wire.load_value(forged({"v": {"~dict": [[1, 2]]}, "t": []})) == wire.bad("a dict whose keys are not strings")
    with pytest.raises(wire.ProtocolError):
        wire.load_value(wire.PACKED_MAGIC + struct.pack("!Q", 1 << 40) + b"{}")
    with pytest.raises(wire.ProtocolError):
        wire.load_value(forged({"v": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "t": []}))
