"""Ablation through the weights: switch parts of the learner's model off without seeing
its code, and find the first stage that disagrees with the reference.

The weights are inputs, so zeroing `w_o` leaves a block with only its MLP, zeroing
`w_mlp2` leaves only attention, zeroing both must leave the identity, and no blocks at
all leaves embedding, positions and head. A problem declares its stages as DATA (the
reference's `ablations(seed)`, shipped in a learner bundle's fixtures with their expected
outputs), in the order a teacher would test them; the grader runs all of them in one
sandbox child and reads the ladder: the first wrong stage after right ones names the
part that is wrong. `readings` are what the stage returns under a specific slip: when
the learner's output equals one, the explanation mentions it as a possible cause, never
as the name (an unforeseen mistake can coincide with it on ablated inputs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import torch

from .compare import NONFINITE, close, compare_tensors
from .finding import Confidence, EvidenceKind, Finding


@dataclass(frozen=True)
class Reading:
    """What a stage returns under one specific slip, and what that means."""

    output: torch.Tensor
    means: str  # "both residual connections are missing"
    seen: str  # "your block returned zeros"
    # True: `output` is the RIGHT answer on other inputs (blocks [B0, B0] for [B0, B1]), so a match is a measured
    # fact about which inputs the learner's code used, said as the finding; False: a slip's output, never shown.
    observed: bool = False
    # A reading that belongs to a pattern across stages (e.g. "one block fewer than given": no blocks with one, the
    # first alone with two): named as `group_seen` when the learner matches it on EVERY stage that declares it.
    group: str = ""
    group_seen: str = ""
    # False: said only as its group, never from one stage (alone that stage does not tell it from other causes:
    # "one block fewer" at two identical blocks is also blocks that each read the embeddings).
    alone: bool = True
    # False: the stage's hint is not shown under this reading: what it measured has causes outside the part the hint
    # is about (a block returning x unchanged at one position: the value path, or attention's input being zero).
    hinted: bool = True
    # True: the reading is the WHOLE model computed another way (weights swapped in every block, a building block
    # replaced): where it gives the right answer the learner's must be right too, or it is not named. False: a
    # pattern of some stages only (what attention-only stages return), which says nothing about the others.
    whole: bool = False


@dataclass(frozen=True)
class Stage:
    name: str  # in a teacher's words: "one block with only its MLP"
    inputs: dict  # the entry's keyword arguments, with the weights ablated
    expected: object  # the reference's output on `inputs`
    changed: str  # what was switched off: "w_o = 0 in the only block"
    wrong_means: str  # what a first wrong result here shows
    hint: str = ""  # the formula of what the stage switches on: data for authors, never shown under its finding
    options: dict = field(default_factory=dict)  # handed to the problem's probe
    readings: tuple[Reading, ...] = ()
    right_means: str = ""  # said when right, if more than "right"
    informative: bool = True  # False: switching this part on does not change the expected output here,
    #                          so a right answer on this stage proves nothing (e.g. tokens that do not move)


@dataclass(frozen=True)
class StageResult:
    stage: Stage
    right: bool | None  # None: the stage could not run (an exception, a time limit)
    seen: str
    readings: tuple[Reading, ...] = ()  # the specific slips whose output on this stage equals the learner's
    nonfinite: bool = False  # the output holds NaN or inf where the right one is finite


def stage_tolerance(problem, stage: Stage) -> tuple[float, float]:
    for value in stage.inputs.values():
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return problem.tolerance(str(value.dtype).removeprefix("torch."))
    return problem.tolerance("float32")


def judge_stage(problem, stage: Stage, outcome) -> StageResult:
    if outcome is None or outcome.status != "ok" or not isinstance(outcome.value, dict):
        why = "not run" if outcome is None else (outcome.message or outcome.status).splitlines()[0][:160]
        return StageResult(stage, None, f"could not run ({why})")
    actual = outcome.value.get("output")
    tol = stage_tolerance(problem, stage)
    if not isinstance(stage.expected, torch.Tensor):
        return StageResult(stage, None, "no comparable output")
    verdict = compare_tensors(stage.expected, actual, *tol)
    if verdict.rule:  # a type, dtype or shape the contract does not allow: no stage can localise that
        return StageResult(stage, None, f"could not compare ({verdict.message.split(';')[0][:160]})")
    if verdict.passed:
        if not stage.informative:
            return StageResult(stage, None, "right, but on these inputs that part does not change the answer")
        return StageResult(stage, True, "right")
    if NONFINITE in verdict.message:
        return StageResult(stage, False, verdict.message.split(";")[0][:200], nonfinite=True)
    matching = tuple(r for r in stage.readings if close(r.output, actual, *tol))
    seen = multiple_of(stage.expected, actual, tol) or verdict.message.split(";")[0][:200]
    return StageResult(stage, False, seen, matching)


def read_ladder(results: list[StageResult]) -> Finding | None:
    """The first wrong stage, when every stage before it ran and was right. Its name is what
    the stage shows (the stage, and a plain multiple when it is one); neither the causes the
    stage cannot tell apart nor a reading (a slip that reproduces it on ablated inputs) are shown."""
    first = next((i for i, r in enumerate(results) if r.right is False), None)
    if first is None or any(r.right is not True for r in results[:first]):
        return None
    wrong = results[first]
    stage = wrong.stage
    if wrong.nonfinite:
        return _nonfinite_finding(results, first)
    grouped = _group_finding(results, first)
    if grouped is not None:
        return grouped
    observed = [r for r in wrong.readings if r.observed and r.alone]
    if len(observed) == 1:
        return _observed_finding(results, first, observed[0])
    lines = []
    for r in results:
        mark = "right" if r.right else ("wrong" if r.right is False else r.seen)
        lines.append(f"  {r.stage.name}: {mark}")
    also: tuple[str, ...] = ()
    # The name says only what the experiment showed: which stage is the first to differ, what it switched on,
    # and what was seen. The stage's `wrong_means` lists causes it does NOT tell apart, and a reading (a slip that
    # reproduces the stage on ablated inputs) is not isolated either: neither is shown as the learner's cause.
    name = f'your model first differs from the right one at the stage "{stage.name}"'
    if wrong.seen.startswith(SCALED):  # a plain multiple: say so in the name, it is the sharpest fact
        name = f"{wrong.seen.removeprefix('your ')} already with {stage.name}"
    text = ("The grader switched parts of your model off through its weights and compared each stage "
            "with the right answer:\n" + "\n".join(lines) + f"\nThe first stage that disagrees: {stage.name} "
            f"({stage.changed}); there {wrong.seen.removeprefix('your ')}. Every stage before it is right, so what "
            "differs comes in with what this stage switches on; the experiment does not isolate which part of it.")
    # No hint: the stage's hint is the formula of what it switches on, and shown under a finding that only
    # localises it reads as "this part is wrong" when the cause may lie elsewhere (`grader hint` still has hints).
    return Finding(name=name, explanation=text, evidence=EvidenceKind.ABLATION, changed=stage.changed,
                   seen=wrong.seen, also=also, confidence=Confidence.LOCALISED)


def _observed_finding(results: list[StageResult], first: int, reading: Reading) -> Finding:
    """The first wrong stage's output equals the right answer on other inputs: said as what was measured."""
    stage = results[first].stage
    lines = [f"  {r.stage.name}: {'right' if r.right else ('wrong' if r.right is False else r.seen)}"
             for r in results[:first + 1]]
    text = ("The grader switched parts of your model off through its weights and compared each stage with the right "
            "answer:\n" + "\n".join(lines) + f"\nAt the first stage that disagrees ({stage.name}: {stage.changed}), "
            f"{reading.seen}.")
    # No hint under a whole-model reading (the model computed another way: a block left out, a layer norm that
    # overwrites the stream): the stage's hint is the rule of the stage's own part, not of that cause.
    # Otherwise the hint stays: an observed reading is an exact match (the right answer on other inputs: blocks [B0, B0], the
    # block returning layer_norm(x)), and the stage's hint is the rule for exactly what it measured (which weights
    # each block uses, what a block with its branches off returns).
    return Finding(name=reading.seen, explanation=text, evidence=EvidenceKind.ABLATION, changed=stage.changed,
                   seen=reading.seen, hint=stage.hint if reading.hinted and not reading.whole else "",
                   confidence=Confidence.CONSISTENT)


def _group_finding(results: list[StageResult], first: int) -> Finding | None:
    """A pattern across stages: the first wrong stage matches a grouped reading, every other stage that
    declares a reading of the same group is wrong and matches it too (at least two stages in all), and every
    stage where that other way gives the right answer is right. Named only when exactly one group fits."""
    passing = {}
    for reading in (r for r in results[first].readings if r.group):
        declaring = _declaring(results, reading.group)
        if reading.group in passing or len(declaring) < 2:
            continue
        # Where the other way gives the right answer, the learner's must be right too: a stage wrong there is
        # something this reading does not explain (it would be named on part of the evidence).
        elsewhere = [r for i, r in enumerate(results) if i not in {j for j, _ in declaring}]
        if (not reading.whole or all(r.right is not False for r in elsewhere)) and all(
                results[i].right is False and any(m is x or m.group == reading.group for m in results[i].readings)
                for i, x in declaring):
            passing[reading.group] = (reading, declaring)
    if len(passing) != 1:
        return None  # none, or several other ways equal the learner's output on every stage: naming one is a guess
    reading, declaring = next(iter(passing.values()))
    stage = results[first].stage
    seens = list(dict.fromkeys(x.seen for _, x in declaring))
    shown = ("; ".join(results[i].stage.name for i, _ in declaring) + f": {seens[0]}" if len(seens) == 1
             else "; ".join(f"{results[i].stage.name}: {x.seen}" for i, x in declaring))
    lines = [f"  {r.stage.name}: {'right' if r.right else ('wrong' if r.right is False else r.seen)}"
             for r in results]
    text = ("The grader switched parts of your model off through its weights and compared each stage with the "
            "right answer:\n" + "\n".join(lines) + f"\nOn every stage where it tells, your output equals one "
            f"computed a specific other way ({shown}): {reading.group_seen}.")
    return Finding(name=reading.group_seen, explanation=text, evidence=EvidenceKind.ABLATION,
                   changed=stage.changed, seen=shown, hint=stage.hint if reading.hinted and not reading.whole else "",
                   confidence=Confidence.CONSISTENT)


def _declaring(results: list[StageResult], group: str) -> list[tuple[int, Reading]]:
    """(stage index, its reading of `group`) for every stage where that other way changes the answer."""
    return [(i, next(x for x in res.stage.readings if x.group == group))
            for i, res in enumerate(results) if any(x.group == group for x in res.stage.readings)]


def _nonfinite_finding(results: list[StageResult], first: int) -> Finding:
    """NaN or inf where the right answer is finite, reported as such: switching a part off through zero weights
    does not stop a NaN (NaN * 0 is NaN), so the first stage that shows one says where the NaN is first SEEN among
    the experiments, not which part of that stage makes it."""
    stage = results[first].stage
    before = [r.stage.name for r in results[:first]]
    name = f'your output holds NaN or inf where the right one is finite (first seen at the stage "{stage.name}")'
    text = (f'The grader switched parts of your model off through its weights. At the stage "{stage.name}" '
            f"({stage.changed}), in your output {results[first].seen.split(': ', 1)[-1]}"
            + (f"; every stage before it ({'; '.join(before)}) gave finite, right values" if before else "")
            + ". A NaN is not switched off by a zero weight (NaN * 0 is NaN), so this says where a NaN first shows, "
              "not which part of the stage makes it.")
    # Consistent, not only localised: the NaN itself is measured, and the hint is about it (not about the stage).
    return Finding(name=name, explanation=text, evidence=EvidenceKind.ABLATION, changed=stage.changed,
                   seen=results[first].seen, hint="A NaN comes from arithmetic such as 0 * inf, inf - inf or 0 / 0: "
                   "look for where your code can meet an infinity or divide by zero.", confidence=Confidence.CONSISTENT)


SCALED = "your output is "


def multiple_of(expected: torch.Tensor, actual, tol) -> str:
    """'your output is 0.5 times the right one', when it is (a scaled residual, a doubled branch)."""
    if type(actual) is not torch.Tensor or actual.shape != expected.shape or not expected.is_floating_point():
        return ""
    e, a = expected.double().flatten(), actual.double().flatten()
    if not bool(torch.isfinite(a).all()) or float(e.norm()) == 0:
        return ""
    c = float(e @ a / (e @ e))
    if abs(c - 1) < 1e-3 or not close(expected * c, actual, *tol):
        return ""
    return f"{SCALED}{c:.4g} times the right one"


def stage_to_plain(stage: Stage) -> dict:
    """A stage as plain data, for a learner bundle's fixtures."""
    data = dataclasses.asdict(stage)
    data["readings"] = [{"output": r.output, "means": r.means, "seen": r.seen, "observed": r.observed,
                         "group": r.group, "group_seen": r.group_seen, "alone": r.alone, "hinted": r.hinted,
                         "whole": r.whole}
                        for r in stage.readings]
    return data


def stage_from_plain(data: dict) -> Stage:
    readings = tuple(Reading(r["output"], r["means"], r["seen"], bool(r.get("observed", False)),
                             r.get("group", ""), r.get("group_seen", ""), bool(r.get("alone", True)),
                             bool(r.get("hinted", True)), bool(r.get("whole", False)))
                     for r in data.get("readings", []))
    return Stage(name=data["name"], inputs=data["inputs"], expected=data["expected"], changed=data["changed"],
                 wrong_means=data["wrong_means"], hint=data.get("hint", ""), options=dict(data.get("options") or {}),
                 readings=readings, right_means=data.get("right_means", ""),
                 informative=bool(data.get("informative", True)))


# `grader.ablation`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/ablation.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.ablation", _sys.modules[__name__])
