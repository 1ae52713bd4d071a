"""Explanations that do not depend on foreseeing the mistake: the one hook between a
check and the evidence layers (grader/ablation.py, grader/properties.py).

`explain(...)` runs after the known-mistake catalogue (grader/diagnose.py). The
catalogue stays first: when it named a mistake, its diagnosis is only labelled with
its evidence. When it named nothing, the problem's ablation stages and properties are
run on the learner's code (extra cases, ONE sandbox child) and the first evidence that
points somewhere becomes the diagnosis, with what was changed and what was seen. A
right solution never gets here (the hook runs only for a failed check), and a finding
is named only when its experiment shows it.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

from .ablation import Stage, judge_stage, read_ladder
from .cases import clone
from .course import Problem, cached_module
from .evidence import EvidenceKind, Finding
from .properties import Property, read_properties
from .ablation import stage_from_plain, stage_to_plain  # noqa: F401 (for callers)
from .sandbox import Job, JobCase
from .sources import source_for

PROPERTIES_FILE = "properties.py"
STOPPED = ("timeout", "cpu-limit", "memory-limit")


def explain(problem: Problem, report, *, job: Job, sandbox, seed: int) -> Finding | None:
    """Fill `report.diagnosis` from ablations or properties when the catalogue named
    nothing; label a catalogue diagnosis with its evidence. Returns the new finding."""
    if report.diagnosis is not None:
        report.diagnosis.setdefault("evidence", EvidenceKind.KNOWN_MISTAKE.value)
        return None
    if report.passed or report.error is not None or report.violations \
            or any(c.status in STOPPED for c in report.cases):
        return None
    try:
        stages = ablation_stages(problem, seed)
        properties = problem_properties(problem, seed)
        if not stages and not properties:
            return None
        finding = run_evidence(problem, stages, properties, job=job, sandbox=sandbox)
    except Exception as exc:  # help, never a reason for a check to break
        report.localisation.append({"title": "explanation unavailable", "kind": "error",
                                    "text": f"The grader could not run its extra experiments "
                                            f"({type(exc).__name__}: {exc})."})
        return None
    if finding is not None:
        report.diagnosis = finding.to_dict()
    return finding


def run_evidence(problem: Problem, stages: list[Stage], properties: list[Property], *, job: Job,
                 sandbox) -> Finding | None:
    # Cloned: stages share tensors, and a learner's in-place edit in one must not reach the next.
    cases = [JobCase(clone(s.inputs), dict(s.options)) for s in stages]
    for prop in properties:
        for i, trial in enumerate(prop.trials):
            cases.append(JobCase(clone(trial), dict(prop.options[i]) if i < len(prop.options) else {}))
    outcomes = sandbox.run_check(dataclasses.replace(job, cases=cases))
    stage_outcomes, rest = outcomes[:len(stages)], outcomes[len(stages):]
    findings = []
    if stages:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = read_ladder([judge_stage(problem, s, o) for s, o in zip(stages, stage_outcomes)])
        if found is not None:
            findings.append(found)
    if properties:
        results, at = [], 0
        for prop in properties:
            outs = [_output(o, prop.key) for o in rest[at:at + len(prop.trials)]]
            at += len(prop.trials)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    results.append((prop, prop.check(outs, list(prop.trials))))
            except Exception:
                results.append((prop, None))  # a property that cannot be read says nothing
        found = read_properties(results)
        if found is not None:
            if any(p.gate and b is not None for p, b in results):
                findings = []  # the ablation's stages are void when a gate (e.g. repeatability) is broken
            findings.append(found)
    if not findings:
        return None
    first, others = findings[0], findings[1:]
    if others:
        also = tuple(f.name for f in others if f.name != first.name)
        extra = "".join(f"\nAlso seen ({f.evidence.value}): {f.name}. {f.seen}" for f in others)
        first = dataclasses.replace(first, also=also, explanation=first.explanation + extra)
    return first


def _output(outcome, key: str | None = "output"):
    """The probe's entry `key` of a trial's value; key None: the whole value (a probe that
    reports several facts, all of which the property reads)."""
    if outcome is None or outcome.status != "ok" or not isinstance(outcome.value, dict):
        return None
    return outcome.value if key is None else outcome.value.get(key)


# --------------------------------------------------------------------------- where the data comes from
def ablation_stages(problem: Problem, seed: int) -> list[Stage]:
    """The reference's `ablations(seed)`, or the stages a learner's bundle ships in its fixtures."""
    return source_for(problem).ablation_stages(seed)


def problem_properties(problem: Problem, seed: int) -> list[Property]:
    """The public `problems/<slug>/properties.py`: shipped with the statement, so a bundle has it."""
    path: Path = problem.dir / PROPERTIES_FILE
    if not path.exists():
        return []
    module = cached_module(f"_grader_properties_{problem.slug.replace('-', '_')}@{problem.dir}", path)
    return list(module.properties(seed))
