"""A variant match that only names a PLACE ("your code behaves exactly like the right one with a change
in a layer norm": several automatic edits there fit, and the cases cannot tell them apart) says where,
not what. The problem's properties are experiments made to tell such edits apart (rows of variance near
eps read the eps back; a scale read from the output): when one of them reads its cause exactly
(`Broken.isolated`), that reading becomes the diagnosis, and the variant's place stays in its
explanation as the second, agreeing measurement. When none does, the place stays what is said.

Runs only for a failed check whose catalogue named nothing and whose variants agreed only on a place:
one more sandbox child, with the properties' trials alone."""

from __future__ import annotations

import dataclasses
import warnings

from ..evidence.finding import EvidenceKind, Finding
from ..evidence.properties import Broken
from ..sandbox.parent import Job, JobCase
from ..course.cases import clone

PLACE_ONLY = "your code behaves exactly like the right one with a change in "


def place_only(diagnosis: dict | None) -> bool:
    return bool(diagnosis) and diagnosis.get("evidence") == EvidenceKind.VARIANT.value \
        and str(diagnosis.get("name", "")).startswith(PLACE_ONLY)


def sharpen_place(problem, report, *, job: Job, sandbox, seed: int, properties=None) -> Finding | None:
    """Replace a place-only variant diagnosis by a property that isolates its cause, when one does."""
    if not place_only(report.diagnosis) or job is None or sandbox is None:
        return None
    if properties is None:
        from .explain import problem_properties

        properties = problem_properties(problem, seed)
    if not properties:
        return None
    cases = []
    for prop in properties:
        for i, trial in enumerate(prop.trials):
            cases.append(JobCase(clone(trial), dict(prop.options[i]) if i < len(prop.options) else {}))
    outcomes = sandbox.run_check(dataclasses.replace(job, cases=cases))
    at = 0
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
            place = report.diagnosis["name"].removeprefix(PLACE_ONLY)
            finding = Finding(
                name=broken.name, evidence=EvidenceKind.PROPERTY, changed=prop.changed, seen=broken.seen,
                explanation=(f"A right answer is {prop.name}; yours is not. The grader tried: {prop.changed}. It saw: "
                             f"{broken.seen}." + (f" {broken.explanation}" if broken.explanation else "") +
                             f" It agrees with a second measurement: on the check's own cases your output equals the "
                             f"right solution's with an edit in {place}."),
                hint=prop.hint)
            report.diagnosis = finding.to_dict()
            return finding
    return None


def _output(outcome, key):
    if outcome is None or outcome.status != "ok" or not isinstance(outcome.value, dict):
        return None
    return outcome.value if key is None else outcome.value.get(key)
