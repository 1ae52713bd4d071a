"""Explanations that do not depend on foreseeing the mistake: the one hook between a
check and the evidence layers (grader/evidence/ablation.py, grader/evidence/properties.py).

`explain(...)` runs after the known-mistake catalogue (grader/verdict/diagnose.py). The
catalogue stays first: when it named a mistake, its diagnosis is only labelled with
its evidence. When it named nothing, the problem's ablation stages and properties are
run on the learner's code (extra cases, ONE sandbox child) and the first evidence that
points somewhere becomes the diagnosis, with what was changed and what was seen. When no
experiment explains the failure, the failing check itself may: a case that tests a stated
rule of the contract (inputs left unchanged, the output's shape, where a cache may be
written) names what is wrong by its own message, and an exception is named with the case
that raised it, run once more alone in a fresh child (raising only after other cases ran
means state is kept between calls). A right solution never gets here (the hook runs only
for a failed check), and a finding is named only when its experiment shows it.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

from ..evidence.ablation import Stage, judge_stage, read_ladder
from ..course.cases import clone
from ..evidence.compare import NONFINITE, OUTPUT_TYPE, UNCHANGED_INPUTS
from ..course.loader import Problem, cached_module
from ..evidence.finding import Confidence, EvidenceKind, Finding, confidence_of
from ..evidence.properties import Broken, Property, read_properties
from ..evidence.ablation import stage_from_plain, stage_to_plain  # noqa: F401 (for callers)
from ..sandbox.parent import Job, JobCase
from .exception_readings import exception_reading
from .size_readings import size_reading
from .sources import source_for
from ..sandbox.status import Status

PROPERTIES_FILE = "properties.py"
# A check that stopped on a limit, or whose sandbox failed (the grader's trouble, not the
# learner's), gets no experiments: they would rerun what stopped it, or explain nothing.
STOPPED = ("timeout", "cpu-limit", "memory-limit", "sandbox-error")
ONLY_ONE_AMONG = 4  # cases that pass before "every case passes but one" is worth saying


def explain(problem: Problem, report, *, job: Job, sandbox, seed: int, shared=None) -> Finding | None:
    """Fill `report.diagnosis` from ablations or properties when the catalogue named
    nothing; label a catalogue diagnosis with its evidence. Returns the new finding.
    `shared`: a class's stages and properties, computed once (grader/verdict/class_work.py)."""
    if report.diagnosis is not None:
        if not report.passed and report.error is None and not report.violations:
            from .precision import nudge_experiment

            try:
                nudge_experiment(problem, report, job=job, sandbox=sandbox)  # a float32 step, or a formula off
            except Exception:
                pass  # the measured reading stays
            try:
                from .sharpen import sharpen_place

                sharpen_place(problem, report, job=job, sandbox=sandbox, seed=seed,
                              stages=shared.stages if shared is not None else None,
                              properties=shared.properties if shared is not None else None)
                # a variant that only names a place: a stage reading or a property may read the cause
            except Exception:
                pass  # the place stays what is said
        report.diagnosis.setdefault("evidence", EvidenceKind.KNOWN_MISTAKE.value)
        report.diagnosis.setdefault("confidence", confidence_of(report.diagnosis["evidence"]))
        return None
    if report.passed or report.error is not None or report.violations \
            or any(c.status in STOPPED for c in report.cases):
        return None
    try:
        first = next((c for c in report.cases if not c.passed), None)
        edited = next((c for c in report.cases if not c.passed and c.rule == UNCHANGED_INPUTS), None)
        if edited is not None or (first is not None and first.rule == OUTPUT_TYPE):
            # Inputs edited in place make every experiment (which reuses its inputs across calls and steps) read
            # a moving target; and when the first failing case's output has a type or shape the contract does not
            # allow, experiments that read values (which axis is the batch, which stage differs) would misread it.
            # (A wrong shape only on a later edge case leaves the experiments their ordinary inputs.) The case
            # says what is wrong.
            finding = from_the_failing_check(report, job=job, sandbox=sandbox, case=edited)
        else:
            stages = list(shared.stages) if shared is not None and shared.stages is not None \
                else ablation_stages(problem, seed)
            properties = list(shared.properties) if shared is not None and shared.properties is not None \
                else problem_properties(problem, seed)
            finding = run_evidence(problem, stages, properties, job=job, sandbox=sandbox) \
                if stages or properties else None
            if finding is None:
                finding = from_the_failing_check(report, job=job, sandbox=sandbox)
                from .infinite_inputs import place_the_nan

                finding = place_the_nan(problem, report, finding, job=job, sandbox=sandbox)  # from the infinities?
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
            if any(p.gate and isinstance(b, Broken) for p, b in results):
                findings = []  # the ablation's stages are void when a gate (e.g. repeatability) is broken
            findings.append(found)
    if not findings:
        return None
    first, others = findings[0], findings[1:]
    if others:
        # A second experiment's failure is not a second cause: nothing measured says it is independent of the
        # first (a property broken by a stage that is wrong). Kept as data, off the learner's screen.
        failed = tuple(f"{f.name} ({f.evidence.value})" for f in others if f.name != first.name)
        first = dataclasses.replace(first, also_failed=failed + first.also_failed)
    return first


def from_the_failing_check(report, *, job: Job, sandbox, case=None) -> Finding | None:
    """The first failing case (or `case`), when it tests a rule of the contract or raised an exception."""
    failing = [(i, c) for i, c in enumerate(report.cases) if not c.passed and (case is None or c is case)]
    if not failing:
        return None
    i, case = failing[0]
    where = f'the case "{case.name}"' + (f" ({case.about})" if case.about else "")
    message = " ".join(case.message.split())
    if case.status == Status.OK and case.rule:
        if job is not None and i < len(job.cases) and len(job.cases) == len(report.cases):
            message += size_reading(job.cases[i].inputs, case.details.get("expected_shape"),
                                    case.details.get("actual_shape"))
        name = headline(message, 240)
        rest = message[len(name) - 2:].lstrip(",;: ") if name != message else ""
        # The name says what was measured; the explanation adds the rule and the rest, without saying it twice.
        return Finding(name=name, evidence=EvidenceKind.CHECK, changed=where, seen=message,
                       explanation=f"No experiment explains this failure, but {where} tests a rule of the contract: "
                                   f"{case.rule}. Your code broke it" + (f"; more: {rest}" if rest else "."))
    if case.status == Status.OK and NONFINITE in message:
        # Seen, not explained: the output holds NaN or inf where the right one is finite. No experiment placed it.
        return Finding(name=f"your output holds NaN or inf where the right one is finite, on {where}",
                       evidence=EvidenceKind.CHECK, changed=where, seen=message,
                       explanation=f"{sentence_case(where)}: {message}. No experiment of the grader placed where the "
                                   "first NaN or inf is made.",
                       hint="A NaN comes from arithmetic such as 0 * inf, inf - inf or 0 / 0: look for where your "
                            "code can meet an infinity or divide by zero.")
    passed = sum(1 for c in report.cases if c.passed)
    if case.status == Status.OK and len(report.cases) - passed == 1 and case.about and passed >= ONLY_ONE_AMONG:
        # Measured, not inferred: one case alone fails, and what it tests is its own description.
        return Finding(name=f'every case passes but one: {where}', evidence=EvidenceKind.CHECK, changed=where,
                       seen=message, explanation=f"{passed} cases pass; only {where} fails: {message}. That case "
                       f"tests one thing, said in its description; no experiment of the grader says more.",
                       confidence=Confidence.LOCALISED)
    if case.status != Status.EXCEPTION:
        return None
    raised = headline(message.removeprefix(Status.EXCEPTION.title).lstrip(": "), 200)
    alone = None
    if i > 0 and len(job.cases) == len(report.cases):
        outcomes = sandbox.run_check(dataclasses.replace(job, cases=[job.cases[i]]))
        alone = outcomes[0].status if outcomes else None
    if alone == Status.OK:
        return Finding(name="your code keeps state between calls: a case raises after others ran in the same process, "
                            "and runs without error alone", evidence=EvidenceKind.CHECK,
                       changed=f"{where}, run once more alone in a fresh process", seen=raised,
                       explanation=f"{sentence_case(where)} raised {raised} after {i} other case(s) ran in the same "
                                   "process; run alone in a fresh process on the same inputs, it raised nothing. Something from an "
                                   "earlier call is kept (a module-level variable, a default argument, a cache, an "
                                   "attribute) and reused.")
    reading = exception_reading(message)
    if reading:
        return Finding(name=reading, evidence=EvidenceKind.CHECK, changed=where, seen=raised,
                       explanation=f"{sentence_case(where)} raised {raised}. That message states it: {reading}.")
    return Finding(name=f"your code raises {raised} on {where}", evidence=EvidenceKind.CHECK, changed=where,
                   seen=raised, explanation=f"{sentence_case(where)} raised {raised}" +
                   (" (in a fresh process too)" if alone is not None else "") +
                   ". The traceback under the case shows the line.")


def headline(text: str, limit: int = 160) -> str:
    """`text` cut to at most `limit` characters at a clause or word boundary, marked with
    an ellipsis: a diagnosis's name never ends mid-word (its explanation has the whole)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in (": ", "; ", ", "):
        at = cut.rfind(mark)
        if at > limit // 2:
            return cut[:at] + " …"
    return cut.rsplit(" ", 1)[0].rstrip(",;:") + " …"


def sentence_case(text: str) -> str:
    """The first letter capitalised and nothing else changed (str.capitalize lowercases the
    rest, turning a case named "1-D vector" into "1-d vector")."""
    return text[:1].upper() + text[1:]


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
