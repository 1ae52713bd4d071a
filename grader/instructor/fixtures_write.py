"""Writing a learner bundle's fixtures from the hidden reference (the instructor's side
of grader/verdict/fixtures.py, which reads them): `grader export student` calls this."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from ..course.cases import PUBLIC_SEED
from ..course.loader import Problem
from ..verdict.fixtures import FORMAT, FixtureMode
from ..verdict.judge import expected_output, judge_kind


def _plain(value, depth: int = 0) -> bool:
    """Only what `torch.load(weights_only=True)` reads back as it was."""
    if depth > 8:
        return False
    if type(value) is torch.Tensor:
        return True
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) in (list, tuple):
        return all(_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    return False


def _first_paragraph(text: str | None) -> str:
    """A docstring's first paragraph on one line."""
    paragraph = (text or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split())


def build_fixtures(problem: Problem, seed: int = PUBLIC_SEED) -> dict:
    """The fixtures of one problem, computed from its reference (instructor side)."""
    reference = problem.reference
    kind = judge_kind(problem)
    data = {"format": FORMAT, "slug": problem.slug, "seed": seed,
            "mode": (FixtureMode.PUBLIC_JUDGE if kind == "public" else FixtureMode.OUTPUTS).value,
            "reason": "", "cases": [], "mistakes": []}
    if kind == "reference":
        what = _first_paragraph(reference.judge.__doc__)
        data["mode"] = FixtureMode.INSTRUCTOR_ONLY.value
        data["reason"] = "its judge is part of the hidden reference" + (f": {what}" if what else ".")
        if not data["reason"].endswith("."):
            data["reason"] += "."
        return data
    cases = list(reference.cases(seed))
    for case in cases:
        if not _plain(case.inputs):
            kinds = sorted({type(v).__name__ for v in case.inputs.values() if not _plain(v)})
            data["mode"] = FixtureMode.INSTRUCTOR_ONLY.value
            data["reason"] = (f"case {case.name!r} has inputs that are not plain tensors or numbers "
                              f"({', '.join(kinds)}), so they cannot be shipped as fixtures.")
            data["cases"] = []
            return data
        expected = expected_output(problem, case)
        if not _plain(expected):
            data.update(mode=FixtureMode.INSTRUCTOR_ONLY.value, cases=[],
                        reason=f"the expected data of case {case.name!r} is not plain tensors or numbers "
                               f"({type(expected).__name__}), so it cannot be shipped as fixtures.")
            return data
        data["cases"].append({"name": case.name, "about": case.about, "inputs": case.inputs,
                              "tolerance": tuple(case.tolerance) if case.tolerance is not None else None,
                              "options": dict(case.options), "expected": expected})
    for mistake in getattr(reference, "MISTAKES", []):
        outputs = {}
        for case in cases:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # mistakes are wrong on purpose; torch may say so
                    out = mistake.fn(**case.pristine_inputs())
            except Exception:
                out = None
            outputs[case.name] = out if type(out) is torch.Tensor else None
        data["mistakes"].append({"name": mistake.name, "explanation": mistake.explanation,
                                 "hint": mistake.hint, "outputs": outputs})
    data["ablations"] = ablation_fixtures(problem, seed)
    return data


def ablation_fixtures(problem: Problem, seed: int) -> list[dict]:
    """The reference's ablation stages (grader/evidence/ablation.py) with their expected outputs and
    readings, as plain data: a bundle explains a wrong model as the reference would."""
    from ..evidence.ablation import stage_to_plain
    from ..verdict.explain import ablation_stages

    stages = [stage_to_plain(s) for s in ablation_stages(problem, seed)]
    return stages if all(_plain(s) for s in stages) else []


def write_fixtures(problem: Problem, path: Path | None = None, seed: int = PUBLIC_SEED) -> dict:
    """Write fixtures.pt (default: beside the problem's statement). Returns the data."""
    data = build_fixtures(problem, seed)
    path = Path(path) if path is not None else problem.fixtures_path
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(data, path)
    return data
