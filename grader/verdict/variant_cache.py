"""Running a problem's automatic variants (grader/evidence/variants.py) through its real judging,
with the verdicts cached on disk per (problem, seed, reference hash).

A variant is judged as a learner's submission would be, in this process (it is trusted
code: the reference, edited): run through the problem's probe, judged against the
reference's expected value. "rejected" when a case fails at the first seed (the public one; for the
statistical judges of sampling problems, the seed their power is set for);
otherwise it is tested for equivalence on cases of more seeds and on float64 copies of
every case, compared with the reference's own values (tight in float64): a variant
that agrees everywhere computes the same thing and is dropped as "equivalent"; the
others are "survived", the cases' blind spots.

The cache holds plain data only (strings, numbers, tensors), written with `torch.save`
and read with `weights_only=True`, atomically (a temporary file renamed), so concurrent
runs never see half a file.
"""

from __future__ import annotations

import enum
import multiprocessing
import os
import signal
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from ..course.cases import Case, case_tolerance
from ..course.loader import Problem
from .inprocess import load_probe, run_in_process
from .judge import judge
from .packed_values import is_packed, pack, unpack
from ..sandbox.parent import Outcome
from .variant_proof import Proofs
from ..evidence.variants import (
    Unit,
    Variant,
    build,
    reference_hash,
    single_variants,
    solution_units,
    variant_function,
)

# Prove most equivalent variants by replaying their edited function (grader/verdict/variant_proof.py);
# GRADER_VARIANT_PROOFS=0 runs every case instead (the same verdicts, slower: for measuring and for doubt).
PROVE = os.environ.get("GRADER_VARIANT_PROOFS", "1") != "0"
EQUIVALENCE_SEEDS = (101,)  # a seed beyond validation's, for telling equivalent variants apart
SLOW_FACTOR, SLOW_FLOOR = 20.0, 2.0  # a variant slower than 20x the reference (and 2 s) counts as rejected
FLOAT64_TOL = (1e-10, 1e-8)  # (atol, rtol): a float64 copy of a case must agree this closely
CACHE_ENV = "GRADER_CACHE_DIR"


class Verdict(str, enum.Enum):
    REJECTED = "rejected"
    SURVIVED = "survived"
    EQUIVALENT = "equivalent"
    TOO_TIGHT = "equivalent but rejected"  # agrees with the reference in float64, fails the judge in float32
    BROKEN = "broken"  # the edit does not compile: not counted


@dataclass(frozen=True)
class VariantResult:
    key: str
    description: str
    where: str
    verdict: Verdict
    id: str = ""  # stable across runs and edits elsewhere (grader/evidence/variant_ids.py); survivors only


@dataclass
class Adequacy:
    """What a problem's cases make of its reference's variants."""

    slug: str
    results: list[VariantResult] = field(default_factory=list)
    cached: bool = False

    def count(self, verdict: Verdict) -> int:
        return sum(r.verdict is verdict for r in self.results)

    @property
    def generated(self) -> int:
        return sum(r.verdict is not Verdict.BROKEN for r in self.results)

    @property
    def survivors(self) -> list[VariantResult]:
        return [r for r in self.results if r.verdict is Verdict.SURVIVED]

    @property
    def too_tight(self) -> list[VariantResult]:
        return [r for r in self.results if r.verdict is Verdict.TOO_TIGHT]

    @property
    def count_rejected(self) -> int:
        return self.count(Verdict.REJECTED)

    @property
    def count_equivalent(self) -> int:
        return self.count(Verdict.EQUIVALENT) + self.count(Verdict.TOO_TIGHT)

    @property
    def non_equivalent(self) -> int:
        return self.count(Verdict.REJECTED) + self.count(Verdict.SURVIVED)

    @property
    def score(self) -> float:
        """Rejected over non-equivalent variants (1.0 when there are none)."""
        counted = self.count(Verdict.REJECTED) + self.count(Verdict.SURVIVED)
        return self.count(Verdict.REJECTED) / counted if counted else 1.0

    def to_dict(self) -> dict:
        return {"generated": self.generated, "equivalent": self.count(Verdict.EQUIVALENT),
                "rejected": self.count(Verdict.REJECTED), "survived": self.count(Verdict.SURVIVED),
                "equivalent_but_rejected": [{"id": r.id, "description": r.description, "where": r.where}
                                            for r in self.too_tight],
                "score": round(self.score, 4),
                "survivors": [{"id": r.id, "description": r.description, "where": r.where} for r in self.survivors]}


# --------------------------------------------------------------------------- the cache
def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grader" / "variants"


def _cache_file(problem: Problem, digest: str, what: str) -> Path:
    return cache_root() / problem.slug / f"{digest}-{what}.pt"


def load_cached(path: Path) -> dict | None:
    """The cached dict at `path`: its packed copy (grader/verdict/packed_values.py) when there
    is one, else the file itself, then packed beside it for the next run (the plain file
    stays, for a grader of another version sharing the cache)."""
    packed = _read(_packed_path(path))
    if is_packed(packed):
        try:
            data = unpack(packed)
        except Exception:  # a half-written or foreign file: the plain one, else recompute
            data = None
        if isinstance(data, dict):
            return data
    data = _read(path)
    if not isinstance(data, dict):
        return None
    if is_packed(data):  # written packed under the plain name: read, never re-packed
        try:
            data = unpack(data)
        except Exception:
            return None
        return data if isinstance(data, dict) else None
    _write(_packed_path(path), pack(data))
    return data


def save_cached(path: Path, data: dict) -> None:
    """Packed (a class's start then reads thousands of tensors in milliseconds, not
    seconds) when it can be, else as it is."""
    packed = pack(data)
    if packed is not None:
        _write(_packed_path(path), packed)
    else:
        _write(path, data)


def _packed_path(path: Path) -> Path:
    return path.with_name(path.stem + ".packed" + path.suffix)


def _read(path: Path):
    try:
        return torch.load(path, weights_only=True)
    except Exception:  # missing, half-written by a crashed run, or from another format: recompute
        return None


def _write(path: Path, data) -> None:
    """Atomically (a temporary file renamed): concurrent runs never see half a file."""
    if data is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pt")
        os.close(fd)
        torch.save(data, tmp)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs time


def problem_digest(problem: Problem) -> str:
    extra = [p for p in problem.dir.glob("*") if p.suffix in (".py", ".toml")]
    return reference_hash(problem.reference, extra)


# --------------------------------------------------------------------------- comparing values
def agree(a, b, atol: float, rtol: float) -> bool:
    """Two probe values are the same, tensors within (atol, rtol), NaN equal to NaN."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or a.shape != b.shape \
                or a.dtype != b.dtype:
            return False
        if a.is_floating_point():
            return bool(torch.allclose(a, b, atol=atol, rtol=rtol, equal_nan=True))
        return bool(torch.equal(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(agree(a[k], b[k], atol, rtol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(agree(x, y, atol, rtol) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= atol + rtol * abs(b) or (a != a and b != b)
    return type(a) is type(b) and a == b


def as_float64(value):
    if isinstance(value, torch.Tensor):
        return value.to(torch.float64) if value.dtype in (torch.float32, torch.float16, torch.bfloat16) else value
    if isinstance(value, dict):
        return {k: as_float64(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(as_float64(v) for v in value)
    return value


FLOAT64_SUFFIX = " [float64 copy]"


def float64_case(case: Case) -> Case:
    return Case(case.name + FLOAT64_SUFFIX, as_float64(case.inputs), case.about, None, dict(case.options))


# --------------------------------------------------------------------------- running
@dataclass
class _Job:
    problem: Problem
    units: list[Unit]
    variants: list[Variant]
    seeds: tuple[int, ...]
    cases_by_seed: dict[int, list[Case]]
    equivalence_cases: list[tuple[Case, object, tuple[float, float]]]  # case, reference value, tolerance
    reference_seconds: float  # the reference through every check once
    proofs: Proofs | None = None  # the unedited program's calls per case (grader/verdict/variant_proof.py)


_JOB: _Job | None = None  # what forked workers read (set before the pool starts)


def _rejected(problem: Problem, probe, fn, cases: list[Case], proven=None) -> str | None:
    """The name of the first case that fails (None: all pass). `proven(case)`: the variant's run
    of the case is proven to be the reference's (which passes it), so it is not run."""
    for case in cases:
        if proven is not None and proven(case):
            continue
        try:
            value = run_in_process(problem, probe, fn, case)
        except Exception:
            return case.name  # a learner's code raising here fails the case
        try:
            if not judge(problem, case, Outcome("ok", value=value)).passed:
                return case.name
        except Exception:
            return case.name
    return None


def _equivalent(problem: Problem, probe, fn, checks, proven=None) -> bool:
    for case, expected, tol in checks:
        if proven is not None and proven(case):
            continue  # its run is the reference's, bit for bit
        try:
            value = run_in_process(problem, probe, fn, case)
        except Exception:
            return False
        if not agree(value, expected, *tol):
            return False
    return True


ROUNDING_FACTOR = 4.0  # a formulation "as accurate as the reference": its error within 4x the reference's
ROUNDING_ULPS = 16.0  # ... plus 16 units of the last place of the largest true value


def _rounding_only(problem: Problem, probe, fn, cases: list[Case]) -> bool:
    """Whether every case the variant fails, it fails by rounding alone: the same structure,
    dtypes and shapes as the reference, finite where the truth is, and an error against the
    truth (the reference on a float64 copy of the case) within a few times the reference's own.
    A variant that agrees in float64 but returns another dtype (a skipped cast) or overflows in
    float32 (a skipped max subtraction) is rightly rejected: it is not a correct formulation
    the tolerance is too tight for."""
    entry = getattr(problem.reference, problem.entry)
    for case in cases:
        try:
            value = run_in_process(problem, probe, fn, case)
            if judge(problem, case, Outcome("ok", value=value)).passed:
                continue
            expected = run_in_process(problem, probe, entry, case)
            truth = run_in_process(problem, probe, entry, float64_case(case))
        except Exception:
            return False
        if not _as_accurate(value, expected, truth):
            return False
    return True


def _as_accurate(value, expected, truth) -> bool:
    if isinstance(expected, torch.Tensor):
        if not isinstance(value, torch.Tensor) or value.shape != expected.shape or value.dtype != expected.dtype \
                or not isinstance(truth, torch.Tensor) or truth.shape != expected.shape:
            return False
        if not expected.is_floating_point():
            return bool(torch.equal(value, expected))
        if value.numel() == 0:
            return True
        t = truth.to(torch.float64)
        finite = torch.isfinite(t)
        v, e = value.to(torch.float64), expected.to(torch.float64)
        if not bool(torch.equal(torch.isfinite(v), finite)) or not bool(torch.equal(v[~finite], t[~finite])):
            return False
        if not bool(finite.any()):
            return True
        error_of = lambda x: float((x[finite] - t[finite]).abs().max())
        scale = float(t[finite].abs().max())
        return error_of(v) <= ROUNDING_FACTOR * error_of(e) + ROUNDING_ULPS * torch.finfo(value.dtype).eps * scale
    if isinstance(expected, dict):
        return isinstance(value, dict) and isinstance(truth, dict) and value.keys() == expected.keys() == truth.keys() \
            and all(_as_accurate(value[k], expected[k], truth[k]) for k in expected)
    if isinstance(expected, (list, tuple)):
        return isinstance(value, (list, tuple)) and isinstance(truth, (list, tuple)) \
            and len(value) == len(expected) == len(truth) \
            and all(_as_accurate(v, e, t) for v, e, t in zip(value, expected, truth))
    return agree(value, expected, 0, 0)


class _TooSlow(BaseException):  # not caught as a case that raised
    pass


def _alarm(signum, frame):
    raise _TooSlow()


def _verdict(index: int) -> str:
    job = _JOB
    variant = job.variants[index]
    fn = variant_function(job.units, variant)
    if fn is None:
        return Verdict.BROKEN.value
    timed = threading.current_thread() is threading.main_thread()
    if timed:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, max(SLOW_FLOOR, SLOW_FACTOR * job.reference_seconds))
    try:
        return _judge_variant(job, fn, variant)
    except _TooSlow:
        return Verdict.REJECTED.value  # the learner's equivalent would time out, or nearly
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _judge_variant(job: _Job, fn, variant: Variant | None = None) -> str:
    probe = load_probe(job.problem)
    proven = None
    if job.proofs is not None and variant is not None and PROVE:
        unit = job.proofs.edited(variant)
        if unit is not None:
            proven = lambda case: job.proofs.identical(fn, unit, id(case), variant)  # noqa: E731
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        failed = [_rejected(job.problem, probe, fn, job.cases_by_seed[s], proven) for s in job.seeds]
        if all(failed):
            # The float64 copy of the case that failed first: most variants part from the reference there
            # too, so the rest (the same checks, whatever their order) are rarely run.
            exact = sorted((c for c in job.equivalence_cases if c[2] == FLOAT64_TOL),
                           key=lambda c: c[0].name != failed[0] + FLOAT64_SUFFIX)
            if exact and _equivalent(job.problem, probe, fn, exact) \
                    and _rounding_only(job.problem, probe, fn, job.cases_by_seed[job.seeds[0]]):
                return Verdict.TOO_TIGHT.value
            return Verdict.REJECTED.value
        if _equivalent(job.problem, probe, fn, job.equivalence_cases, proven):
            return Verdict.EQUIVALENT.value
        return Verdict.SURVIVED.value


def _worker_init() -> None:
    torch.set_num_threads(1)


def _prepare(problem: Problem, seeds: tuple[int, ...], cases_by_seed: dict[int, list[Case]]) -> _Job:
    units = solution_units(problem.reference, problem.entry)
    variants = single_variants(units)
    probe = load_probe(problem)
    entry = getattr(problem.reference, problem.entry)
    checks, cost = [], []
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in (seeds[0],) + EQUIVALENCE_SEEDS:
            cases = cases_by_seed.get(seed) or list(problem.reference.cases(seed))
            for case in cases:
                if seed != seeds[0]:
                    began = time.monotonic()
                    checks.append((case, run_in_process(problem, probe, entry, case), case_tolerance(problem, case)))
                    cost.append(time.monotonic() - began)
                wide = float64_case(case)
                if not agree(wide.inputs, case.inputs, 0, 0):
                    try:
                        began = time.monotonic()
                        checks.append((wide, run_in_process(problem, probe, entry, wide), FLOAT64_TOL))
                        cost.append(time.monotonic() - began)
                    except Exception:
                        pass  # a case that only makes sense in float32
    # Cheapest first: a variant that is not equivalent is told apart sooner (an equivalent one runs them all).
    checks = [c for _, _, c in sorted(zip(cost, range(len(checks)), checks), key=lambda t: t[:2])]
    values: dict[int, object] = {}
    judged = {seeds[0]: _cheapest_first(problem, probe, entry, [_with_expected(problem, c)
                                                               for c in cases_by_seed[seeds[0]]], values)}
    elapsed = time.monotonic() - started
    proofs = _record(problem, probe, units, judged[seeds[0]], checks, values) if PROVE else None
    return _Job(problem, units, variants, tuple(seeds), judged, checks, elapsed, proofs)


def _record(problem: Problem, probe, units: list[Unit], judged: list[Case], checks, values: dict[int, object]):
    """The unedited program's calls on every case a variant is judged or compared on, kept
    only where its run gives the reference's value bit for bit (and passes the judged case)."""
    proofs = Proofs(units, build(units, ()))
    if not proofs.enabled:
        return None
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        for case in judged:
            try:
                value = proofs.record(id(case), lambda: run_in_process(problem, probe, proofs.base, case))
                same = id(case) in values and agree(value, values[id(case)], 0, 0) \
                    and judge(problem, case, Outcome("ok", value=value)).passed
            except Exception:
                same = False
            if not same:
                proofs.forget(id(case))
        for case, expected, _ in checks:
            try:
                value = proofs.record(id(case), lambda: run_in_process(problem, probe, proofs.base, case))
                same = agree(value, expected, 0, 0)
            except Exception:
                same = False
            if not same:
                proofs.forget(id(case))
    return proofs


def _cheapest_first(problem: Problem, probe, entry, cases: list[Case], values: dict | None = None) -> list[Case]:
    """The cases ordered by the reference's time on them: most variants fail the first
    case they meet, so meeting the cheap ones first makes rejection cheap. `values`: filled
    with the reference's value on each case, by the id of the case."""
    cost = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            started = time.monotonic()
            try:
                value = run_in_process(problem, probe, entry, case)
                if values is not None:
                    values[id(case)] = value
            except Exception:
                pass
            cost[case.name] = time.monotonic() - started
    return sorted(cases, key=lambda c: cost[c.name])


def _with_expected(problem: Problem, case: Case) -> Case:
    """The case with the reference's expected value computed once (not once per variant)."""
    from .judge import judge_kind, expected_output

    if judge_kind(problem) == "reference":
        return case  # the reference's judge recomputes what it needs
    return replace(case, expected=expected_output(problem, case))


def adequacy(problem: Problem, cases_by_seed: dict[int, list[Case]], seeds: tuple[int, ...],
             workers: int | None = None, use_cache: bool = True) -> Adequacy:
    """Every variant's verdict; from the cache when this reference was measured at these seeds."""
    return start_adequacy(problem, cases_by_seed, seeds, workers, use_cache).result()


class PendingAdequacy:
    """Variants being judged by a pool of forked workers while the caller does other work
    (`grader validate` runs its other checks meanwhile): `result()` waits for them."""

    def __init__(self, problem: Problem, digest: str, path: Path, seeds: tuple[int, ...], job: _Job | None = None,
                 pool=None, pending=None, done: Adequacy | None = None):
        self.problem, self.digest, self.path, self.seeds = problem, digest, path, seeds
        self.job, self.pool, self.pending, self.done = job, pool, pending, done

    def result(self) -> Adequacy:
        global _JOB
        if self.done is not None:
            return self.done
        job = self.job
        try:
            if self.pool is not None:
                verdicts = [None] * len(job.variants)
                for index, verdict in self.pending:
                    verdicts[index] = verdict
                self.pool.close()
                self.pool.join()
            else:
                verdicts = [_verdict(i) for i in range(len(job.variants))]
        finally:
            self.cancel()
        by_key = {v.key: verdict for v, verdict in zip(job.variants, verdicts)}
        save_cached(self.path, {"verdicts": by_key, "digest": self.digest, "seeds": list(self.seeds)})
        self.done = Adequacy(self.problem.slug, _named(job.units, job.variants, by_key))
        return self.done

    def cancel(self) -> None:
        """Stop the workers (a no-op once the result is in)."""
        global _JOB
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        if _JOB is self.job:
            _JOB = None


def _indexed_verdict(index: int) -> tuple[int, str]:
    return index, _verdict(index)


def start_adequacy(problem: Problem, cases_by_seed: dict[int, list[Case]], seeds: tuple[int, ...],
                   workers: int | None = None, use_cache: bool = True) -> PendingAdequacy:
    """Start judging every variant (or read the verdicts from the cache). Variants are handed
    to the workers one at a time, so no worker is left with a batch of slow ones at the end."""
    global _JOB
    seeds = tuple(s for s in seeds if s in cases_by_seed)[:1]  # verdicts at the first seed
    digest = problem_digest(problem)
    path = _cache_file(problem, digest, f"seed-{seeds[0]}")
    units = solution_units(problem.reference, problem.entry)
    variants = single_variants(units)
    cached = load_cached(path) if use_cache else None
    if cached is not None and set(cached.get("verdicts", {})) >= {v.key for v in variants}:
        done = Adequacy(problem.slug, _named(units, variants, cached["verdicts"]), cached=True)
        return PendingAdequacy(problem, digest, path, seeds, done=done)
    job = _JOB = _prepare(problem, seeds, cases_by_seed)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers > 1 and len(job.variants) > 20:
        ctx = multiprocessing.get_context("fork")
        pool = ctx.Pool(workers, initializer=_worker_init)
        pending = pool.imap_unordered(_indexed_verdict, range(len(job.variants)), chunksize=1)
        return PendingAdequacy(problem, digest, path, seeds, job, pool, pending)
    return PendingAdequacy(problem, digest, path, seeds, job)


def _named(units: list[Unit], variants: list[Variant], verdicts: dict[str, str]) -> list[VariantResult]:
    """The results; survivors and the equivalent-but-rejected carry their stable ids (what an
    author accepts them by in problem.toml)."""
    from ..evidence.variant_ids import variant_id

    out = []
    for v in variants:
        verdict = Verdict(verdicts[v.key])
        named = verdict in (Verdict.SURVIVED, Verdict.TOO_TIGHT)
        out.append(VariantResult(v.key, v.description, v.where, verdict, variant_id(units, v) if named else ""))
    return out
