"""Is a problem's judging fair at both ends? Correct formulations must pass, trivial
answers must score 0.

Correct formulations: the reference computed in float64 inside (inputs widened, the
result narrowed back), and the author's `CORRECT_VARIANTS` (callables with the entry's
signature that compute the same thing another way). A case's tolerance that rejects
one of them is too tight for correct float32 code.

Trivial answers: zeros, a constant, noise (each shaped like the reference's output) and
the first input echoed. Each is judged like a learner's submission; any score above 0
means some case is worth credit to code that computes nothing.

All of it is trusted code run in this process through the problem's probe and judge.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass
from typing import Callable

import torch

from ..course.cases import Case, credited
from ..course.loader import Problem
from ..verdict.inprocess import load_probe, run_in_process
from ..verdict.judge import judge
from ..sandbox.parent import Outcome
from ..verdict.variant_cache import as_float64

TRIVIAL_NAMES = ("zeros", "a constant", "noise", "the input echoed")


@dataclass(frozen=True)
class Formulation:
    name: str
    fn: Callable


@dataclass(frozen=True)
class CaseFailure:
    case: str
    message: str


def _narrow_like(value, like):
    """`value` cast back to the dtypes of `like` (float64 results to the input's float32)."""
    if isinstance(value, torch.Tensor) and isinstance(like, torch.Tensor) and value.is_floating_point():
        return value.to(like.dtype)
    if isinstance(value, (tuple, list)) and isinstance(like, (tuple, list)) and len(value) == len(like):
        return type(value)(_narrow_like(v, w) for v, w in zip(value, like))
    return value


def float64_inside(entry: Callable) -> Callable | None:
    """The entry computed in float64 and narrowed back; None for a class entry."""
    if not inspect.isfunction(entry):
        return None

    def fn(*args, **kwargs):
        like = entry(*args, **kwargs)
        return _narrow_like(entry(*as_float64(args), **as_float64(kwargs)), like)

    return fn


def formulations(problem: Problem) -> list[Formulation]:
    ref = problem.reference
    entry = getattr(ref, problem.entry)
    out = []
    wide = float64_inside(entry)
    if wide is not None:
        out.append(Formulation("the reference computed in float64 inside", wide))
    for i, item in enumerate(getattr(ref, "CORRECT_VARIANTS", []) or []):
        fn = getattr(item, "fn", item)
        name = getattr(item, "name", None) or getattr(fn, "__name__", f"correct variant {i + 1}")
        out.append(Formulation(f"correct variant {name!r}", fn))
    return out


def failures(problem: Problem, fn: Callable, cases: list[Case]) -> list[CaseFailure]:
    """The cases `fn`, judged as a learner's entry point, fails."""
    probe = load_probe(problem)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            try:
                value = run_in_process(problem, probe, fn, case)
                result = judge(problem, case, Outcome("ok", value=value))
            except Exception as exc:
                out.append(CaseFailure(case.name, f"raised {type(exc).__name__}: {exc}"))
                continue
            if not result.passed:
                out.append(CaseFailure(case.name, result.message))
    return out


# --------------------------------------------------------------------------- trivial answers
def _shaped(kind: str, out, seed: int):
    """A trivial value shaped like the reference's output `out`."""
    if isinstance(out, torch.Tensor):
        if kind == "zeros":
            return torch.zeros_like(out)
        if kind == "a constant":
            return torch.ones_like(out)
        g = torch.Generator().manual_seed(seed)
        if out.is_floating_point():
            return torch.randn(out.shape, generator=g, dtype=out.dtype)
        high = int(out.max().item()) + 1 if out.numel() else 1
        return torch.randint(0, max(high, 1), out.shape, generator=g, dtype=out.dtype)
    if isinstance(out, (tuple, list)):
        return type(out)(_shaped(kind, o, seed + i) for i, o in enumerate(out))
    return out


def trivial_answers(problem: Problem) -> dict[str, Callable]:
    """The trivial answers that make sense for this entry point (a class entry has none)."""
    entry = getattr(problem.reference, problem.entry)
    if not inspect.isfunction(entry):
        return {}
    out = {}
    for kind in ("zeros", "a constant", "noise"):
        def fn(*args, _kind=kind, **kwargs):
            return _shaped(_kind, entry(*args, **kwargs), 1234)
        out[kind] = fn

    def echo(*args, **kwargs):
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, torch.Tensor):
                return value.clone()
        return None
    out["the input echoed"] = echo
    return out


def trivial_scores(problem: Problem, cases: list[Case]) -> dict[str, tuple[float, list[str]]]:
    """{trivial answer: (score, the cases it passes)}, scored as the grader scores a learner."""
    scores = {}
    for name, fn in trivial_answers(problem).items():
        failed = {f.case for f in failures(problem, fn, cases)}
        passed = [c.name for c in cases if c.name not in failed]
        scores[name] = (round(credited(cases, set(passed)) / len(cases), 4) if cases else 0.0, passed)
    return scores
