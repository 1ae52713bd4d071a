"""Diagnosis by exact behavioural match with the reference's automatic variants.

When a check fails and the catalogue named nothing, the learner's output on every
deterministic case is compared with the outputs of the reference's single-edit variants
(grader/evidence/variants.py) on the same cases, with the catalogue's own comparison and
tolerance (grader/verdict/diagnose.py). A variant that matches the learner on ALL those cases and
differs from the reference on at least one the learner failed is a proven explanation:
"your code behaves exactly like the reference with <the variant's description>".
Several matching variants are named only by what they share (the same place); otherwise
nothing is said.

The variants' outputs are computed by trusted code in the grader's process (never in a
learner's sandbox), per (problem, seed), and cached on disk as plain data (tensors,
strings; `torch.save`, read back with `weights_only=True`, written atomically) keyed by
the reference's hash, like grader/verdict/variant_cache.py's verdicts. Cases whose outputs are
random (a sampler's draws) are left out: the reference run twice must agree exactly.
"""

from __future__ import annotations

import io
import signal
import threading
import time
import warnings
from dataclasses import dataclass

import torch

from ..course.cases import Case, case_tolerance
from ..evidence.compare import close
from ..course.loader import Problem
from ..evidence.finding import Confidence, EvidenceKind, Finding
from .inprocess import load_probe, run_in_process
from .torch_threads import one_torch_thread
from .variant_cache import _cache_file, load_cached, problem_digest, save_cached
from ..evidence.variant_reach import reached_lines, unreached
from ..evidence.variants import single_variants, solution_units, uniform_variants, variant_function
from .variant_pool import can_fork, default_workers, run_all

_MEMO: dict = {}  # cache file -> (case names, table), this process's copy
# A variant slower than SLOW_FACTOR times the reference on a seed's cases (at least VARIANT_FLOOR s, at most
# VARIANT_SECONDS) is left out: a learner's code like it would time out, and waiting for it is the precompute's cost.
VARIANT_SECONDS, VARIANT_FLOOR, SLOW_FACTOR = 2.0, 0.3, 10.0
FORK_ABOVE = 1.0  # seconds the variants would take in this process (the reference's time each): below, forking costs more
FORMAT = 4  # 4: a call moved over the operation after it; uniform variants after the single ones; sites


@dataclass(frozen=True)
class VariantTable:
    """The outputs of every single-edit variant on a seed's deterministic cases."""

    descriptions: tuple[str, ...]
    places: tuple[str, ...]  # where each edit is, in words ("in the attention weights"): what variants share
    reference: dict  # case name -> the reference's output
    outputs: dict  # case name -> [each variant's output, None where it raised or was not a tensor]
    seconds: float = 0.0  # the precompute's cost (0 when read from the cache)
    sites: tuple[str, ...] = ()  # where each variant edits ("unit:node+unit:node"): equal sites, the same slip


def _output(value):
    out = value.get("output") if isinstance(value, dict) else None
    return out if isinstance(out, torch.Tensor) else None


def _deterministic(problem: Problem, probe, entry, case: Case):
    """The reference's output on `case`, or None when it is not a tensor or differs between
    two runs under different global seeds (a sampler's draws)."""
    outs = []
    for seed in (1234, 98765):
        torch.manual_seed(seed)
        try:
            outs.append(_output(run_in_process(problem, probe, entry, case)))
        except Exception:
            return None
    a, b = outs
    if a is None or b is None or a.shape != b.shape or a.dtype != b.dtype:
        return None
    return a if torch.equal(a, b) or (a.is_floating_point() and torch.equal(a.isnan(), b.isnan())
                                      and torch.equal(a.nan_to_num(), b.nan_to_num())) else None


class _TooSlow(BaseException):
    pass


def _alarm(signum, frame):
    raise _TooSlow()


def _variant_outputs(problem: Problem, probe, fn, cases: list[Case]) -> list:
    """Each case's "output" through the probe (no fresh rerun: only the output is compared)."""
    from ..sandbox.child import sanitize
    from .inprocess import LocalContext

    outs = []
    for case in cases:
        try:
            outs.append(_output(sanitize(probe(fn, case.pristine_inputs(), LocalContext(case.options, outputs_only=True)))))
        except Exception:
            outs.append(None)
    return outs


def compute_table(problem: Problem, cases: list[Case], workers: int | None = None) -> VariantTable | None:
    """Every single variant run on the deterministic cases (trusted code, this process and
    forked workers). Only in the main thread: a variant that loops forever is stopped by an alarm."""
    if threading.current_thread() is not threading.main_thread():
        return None
    with one_torch_thread():
        return _compute_table(problem, cases, default_workers() if workers is None else workers)


@dataclass
class _TableJob:
    """What a worker needs to run one variant (forked workers inherit it)."""

    problem: Problem
    units: list
    variants: list
    cases: list[Case]
    limit: float  # seconds a variant may take on all the cases
    probe: object
    own: list | None = None  # the reference's outputs on the cases
    proofs: object = None  # the unedited program's calls on each case (grader/verdict/variant_proof.py)


_TABLE_JOB: _TableJob | None = None
BROKEN, TOO_SLOW = "broken", "too slow"


def _run_variant(index: int):
    """The variant's outputs on the job's cases (a list), or BROKEN / TOO_SLOW."""
    job = _TABLE_JOB
    variant = job.variants[index]
    fn = variant_function(job.units, variant)
    if fn is None:
        return BROKEN
    unit = job.proofs.edited(variant) if job.proofs is not None else None
    previous = signal.signal(signal.SIGALRM, _alarm)
    torch.default_generator.manual_seed(0)  # a variant that reads the global RNG reads the same draws in any worker, in any order
    signal.setitimer(signal.ITIMER_REAL, job.limit)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            # Proven to run every case exactly as the reference does: its outputs are the reference's.
            if unit is not None and all(job.proofs.identical(fn, unit, k, variant) for k in range(len(job.cases))):
                return job.own
            torch.default_generator.manual_seed(0)
            return _variant_outputs(job.problem, job.probe, fn, job.cases)
    except _TooSlow:
        return TOO_SLOW
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_variant_packed(index: int):
    """`_run_variant` for a worker: outputs go back as `torch.save` bytes (read with weights_only)."""
    outs = _run_variant(index)
    if isinstance(outs, str):
        return outs
    buffer = io.BytesIO()
    torch.save(outs, buffer)
    return buffer.getvalue()


def _unpack(value):
    if isinstance(value, bytes):
        return torch.load(io.BytesIO(value), weights_only=True)
    return value


def _compute_table(problem: Problem, cases: list[Case], workers: int = 1) -> VariantTable:
    global _TABLE_JOB
    started = time.monotonic()
    units = solution_units(problem.reference, problem.entry)
    singles = single_variants(units, diagnosis=True)
    variants = singles + uniform_variants(units, singles)
    probe = load_probe(problem)
    entry = getattr(problem.reference, problem.entry)
    reference, kept = {}, []
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        with reached_lines(units) as lines:  # what the reference runs on these cases (it is run twice each)
            for case in cases:
                out = _deterministic(problem, probe, entry, case)
                if out is not None:
                    reference[case.name] = out
                    kept.append(case)
        timed = time.monotonic()
        own = _variant_outputs(problem, probe, entry, kept)
        own_seconds = time.monotonic() - timed
        limit = min(VARIANT_SECONDS, max(VARIANT_FLOOR, SLOW_FACTOR * own_seconds))
    # A variant whose edits the reference never reaches on these cases gives the reference's outputs.
    unreached_here = unreached(units, variants, lines)
    runs: dict[int, object] = {i: own for i in unreached_here}
    live = [i for i in range(len(variants)) if i not in unreached_here]
    _TABLE_JOB = _TableJob(problem, units, variants, kept, limit, probe, own, _recorded(problem, probe, units, kept, own))
    try:
        for i in unreached_here:
            if variant_function(units, variants[i]) is None:
                runs[i] = BROKEN
        if can_fork(workers) and own_seconds * len(live) >= FORK_ABOVE:
            runs.update({i: _unpack(v) for i, v in run_all(_run_variant_packed, live, workers, limit).items()})
        else:
            runs.update({i: _run_variant(i) for i in live})
    finally:
        _TABLE_JOB = None
    outputs = {c.name: [] for c in kept}
    descriptions, places, sites = [], [], []
    for i, variant in enumerate(variants):
        outs = runs.get(i, TOO_SLOW)  # missing: stopped past its limit
        if isinstance(outs, str):
            continue
        descriptions.append(variant.description)
        places.append(_place(units, variant))
        sites.append("+".join(f"{e.unit}:{e.node}" for e in variant.edits))
        for case, out in zip(kept, outs):
            outputs[case.name].append(out)
    return VariantTable(tuple(descriptions), tuple(places), reference, outputs, time.monotonic() - started,
                        tuple(sites))


def _recorded(problem: Problem, probe, units, cases: list[Case], own: list):
    """The unedited program's calls on each case (by its index), kept where its outputs are
    the reference's bit for bit; None when nothing can be proven here."""
    from ..evidence.variants import build
    from .variant_cache import PROVE
    from .variant_proof import Proofs

    if not PROVE or not cases:
        return None
    proofs = Proofs(units, build(units, ()))
    if not proofs.enabled:
        return None
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        for k, case in enumerate(cases):
            torch.default_generator.manual_seed(0)  # as each variant's run starts
            try:
                out = proofs.record(k, lambda: _variant_outputs(problem, probe, proofs.base, [case]))[0]
            except Exception:
                out = None
            if not _bitwise(out, own[k]):
                proofs.forget(k)
    return proofs


def _bitwise(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.is_floating_point():
        return bool(torch.equal(a.isnan(), b.isnan())) and bool(torch.equal(a.nan_to_num(), b.nan_to_num()))
    return bool(torch.equal(a, b))


def _place(units, variant) -> str:
    edit = variant.edits[0]
    unit = units[edit.unit]
    return unit.roles.get(edit.line) or unit.role


def variant_table(problem: Problem, seed: int, cases: list[Case], use_cache: bool = True) -> VariantTable | None:
    """The table for (problem, seed), from the disk cache when this reference made it."""
    if not problem.has_reference:
        return None
    names = [c.name for c in cases]
    path = _cache_file(problem, problem_digest(problem), f"outputs-seed-{seed}")
    memo = _MEMO.get(str(path)) if use_cache else None
    if memo is not None and memo[0] == names:
        return memo[1]  # a long-lived process (the daemon, batch grading) reads the file once
    data = load_cached(path) if use_cache else None
    if data is not None and data.get("format") == FORMAT and data.get("cases") == names:
        table = VariantTable(tuple(data["descriptions"]), tuple(data["places"]), data["reference"], data["outputs"],
                             sites=tuple(data.get("sites") or ()))
        _MEMO[str(path)] = (names, table)
        return table
    table = compute_table(problem, cases)
    if table is not None:
        _MEMO[str(path)] = (names, table)
        save_cached(path, {"format": FORMAT, "cases": names, "descriptions": list(table.descriptions),
                           "places": list(table.places), "reference": table.reference, "outputs": table.outputs,
                           "sites": list(table.sites)})
    return table


# --------------------------------------------------------------------------- matching
def matching_variants(problem: Problem, table: VariantTable, cases: list[Case], values: dict,
                      failing: set[str]) -> list[int]:
    """Indices of the variants that match the learner on every deterministic case (the
    catalogue's comparison and tolerance) and differ from the reference on a case the learner failed."""
    judged = [c for c in cases if c.name in table.outputs and _output(values.get(c.name)) is not None]
    if not judged or not any(c.name in failing for c in judged):
        return []
    learner = {c.name: _output(values[c.name]) for c in judged}
    tol = {c.name: case_tolerance(problem, c) for c in judged}
    judged.sort(key=lambda c: c.name not in failing)  # a failed case first: most variants part ways there
    count = len(table.descriptions)
    found = []
    for i in range(count):
        if all(_same(table.outputs[c.name][i], learner[c.name], tol[c.name]) for c in judged) \
                and any(c.name in failing and not close(table.reference[c.name], table.outputs[c.name][i],
                                                        *tol[c.name]) for c in judged):
            found.append(i)
    return found


def _same(variant, learner, tol) -> bool:
    """The catalogue's `close` (one kernel: a shortcut on the largest difference, which this
    had, costs more ops than it saves)."""
    if variant is None:
        return False
    if variant.shape != learner.shape or variant.dtype != learner.dtype:
        return False
    if not variant.is_floating_point():
        return bool(torch.equal(variant, learner))
    return close(variant, learner, *tol)


# A match proves equal outputs, not equal code: the learner's slip may sit elsewhere and have this effect.
SAME_EFFECT = ("What is proven is the output, not the line: your code may reach it another way, so look for "
               "what in it has this effect.")


def variant_finding(table: VariantTable, found: list[int]) -> Finding | None:
    """One description when every match says the same; the shared place when they share
    one; else nothing (naming one of several would be a guess)."""
    if not found:
        return None
    descriptions = list(dict.fromkeys(table.descriptions[i] for i in found))
    places = {table.places[i] for i in found}
    sites = {table.sites[i] for i in found} if len(table.sites) == len(table.descriptions) else set()
    if len(descriptions) > 1 and len(sites) == 1:
        # The same nodes edited to values the cases cannot tell apart (axis 1 and axis -2 of a 3-d tensor): one
        # slip, said once, with the equal readings after it.
        what = f"{descriptions[0]} (on these cases the same as: {'; '.join(descriptions[1:])})"
        return Finding(name=f"your code behaves exactly like the right one with {what}",
                       explanation=(f"The grader ran the right solution with automatic edits on the same cases. With "
                                    f"{descriptions[0]}, it gives your output on every case, and the right solution's "
                                    "does not; the other readings edit the same places and give the same outputs here. "
                                    + SAME_EFFECT),
                       evidence=EvidenceKind.VARIANT, changed="the right solution with one edit, on the check's own cases",
                       seen="your output on every case, within the check's tolerance", confidence=Confidence.PROVEN)
    if len(descriptions) == 1:
        what = descriptions[0]
        name = f"your code behaves exactly like the right one with {what}"
        explanation = (f"The grader ran the right solution with automatic edits on the same cases. With {what}, "
                       "it gives your output on every case, and the right solution's does not. " + SAME_EFFECT)
    elif len(places) == 1:
        place = places.pop()
        name = f"your code behaves exactly like the right one with a change in {place}"
        explanation = (f"The grader ran the right solution with automatic edits on the same cases. {len(descriptions)} "
                       f"different edits in {place} each give your output on every case (the cases cannot tell "
                       "them apart), and none elsewhere does. " + SAME_EFFECT)
    else:
        return None
    return Finding(name=name, explanation=explanation, evidence=EvidenceKind.VARIANT,
                   changed="the right solution with one edit, on the check's own cases",
                   seen="your output on every case, within the check's tolerance", confidence=Confidence.PROVEN)


def diagnose_by_variants(problem: Problem, report, cases: list[Case], values: dict, table=None) -> Finding | None:
    """Set `report.diagnosis` from an exact variant match; `table`: a class's precomputed one."""
    failing = {c.name for c in report.cases if not c.passed}
    if not failing:
        return None
    if table is None:
        table = variant_table(problem, report.seed, cases)
    if table is None:
        return None
    finding = variant_finding(table, matching_variants(problem, table, cases, values, failing))
    if finding is not None:
        report.diagnosis = finding.to_dict()
    return finding
