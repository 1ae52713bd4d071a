"""A variant match that only names a PLACE ("your code behaves exactly like the right one with a change
in a layer norm": several automatic edits there fit, and the cases cannot tell them apart) says where,
not what. The problem's properties are experiments made to tell such edits apart (rows of variance near
eps read the eps back), and so are the ablation's grouped readings (the right model computed one other
way equals the learner's output on every stage where that way tells): when one of them reads its cause
exactly (a unique group; a property's `Broken.isolated`), that reading becomes the diagnosis, and the
variant's place stays in its explanation as a second measurement. When none does, the place stays what is said.

Runs only for a failed check whose catalogue named nothing and whose variants agreed only on a place:
one more sandbox child, with the stages' and properties' inputs."""

from __future__ import annotations

import dataclasses
import warnings

from ..evidence.ablation import judge_stage, read_ladder
from ..evidence.finding import Confidence, EvidenceKind, Finding
from ..evidence.properties import Broken
from ..sandbox.parent import Job, JobCase
from ..course.cases import clone

PLACE_ONLY = "your code behaves exactly like the right one with a change in "
NAN_FIRST = "your output holds NaN or inf"  # where a NaN first shows: a fact, not a cause


def place_only(diagnosis: dict | None) -> bool:
    return bool(diagnosis) and diagnosis.get("evidence") == EvidenceKind.VARIANT.value \
        and str(diagnosis.get("name", "")).startswith(PLACE_ONLY)


def sharpen_place(problem, report, *, job: Job, sandbox, seed: int, stages=None, properties=None) -> Finding | None:
    """Replace a place-only variant diagnosis by what isolates its cause, when something does: the ablation's
    stages read as ONE other way of computing the model on every stage (a grouped or observed reading, never a
    stage alone), else a property whose check read its cause."""
    if not place_only(report.diagnosis) or job is None or sandbox is None:
        return None
    from .explain import ablation_stages, problem_properties

    stages = list(stages) if stages is not None else ablation_stages(problem, seed)
    properties = list(properties) if properties is not None else problem_properties(problem, seed)
    if not stages and not properties:
        return None
    cases = [JobCase(clone(s.inputs), dict(s.options)) for s in stages]
    for prop in properties:
        for i, trial in enumerate(prop.trials):
            cases.append(JobCase(clone(trial), dict(prop.options[i]) if i < len(prop.options) else {}))
    outcomes = sandbox.run_check(dataclasses.replace(job, cases=cases))
    place = report.diagnosis["name"].removeprefix(PLACE_ONLY)
    second = f" A second measurement: on the check's own cases your output equals the right solution's with an edit in {place}."
    if stages:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = read_ladder([judge_stage(problem, s, o) for s, o in zip(stages, outcomes[:len(stages)])])
        if found is not None and found.confidence == Confidence.CONSISTENT and found.evidence == EvidenceKind.ABLATION \
                and not found.name.startswith(NAN_FIRST):
            found = dataclasses.replace(found, explanation=found.explanation + second)
            report.diagnosis = found.to_dict()
            return found
    at = len(stages)
    for prop in properties:
        outs = [_output(o, prop.key) for o in outcomes[at:at + len(prop.trials)]]
        at += len(prop.trials)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                broken = prop.check(outs, list(prop.trials))
        except Exception:
            continue
        if isinstance(broken, Broken) and broken.isolated and broken.name:
            finding = Finding(
                name=broken.name, evidence=EvidenceKind.PROPERTY, changed=prop.changed, seen=broken.seen,
                explanation=(f"A right answer is {prop.name}; yours is not. The grader tried: {prop.changed}. It saw: "
                             f"{broken.seen}." + (f" {broken.explanation}" if broken.explanation else "") + second),
                hint=prop.hint)
            report.diagnosis = finding.to_dict()
            return finding
    return None


def _output(outcome, key):
    if outcome is None or outcome.status != "ok" or not isinstance(outcome.value, dict):
        return None
    return outcome.value if key is None else outcome.value.get(key)
