"""Named, seeded test cases and the helpers reference modules use to build them."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch

PUBLIC_SEED = 0


@dataclass
class Case:
    name: str  # stable id shown to the learner: "edge: T = 1"
    inputs: dict  # keyword arguments of the entry point (or of the probe)
    about: str = ""  # what this case is testing, in one line
    tolerance: tuple[float, float] | None = None  # (atol, rtol), overriding the dtype's
    options: dict = field(default_factory=dict)  # handed to the problem's probe
    expected: object = None  # filled from fixtures when no reference is present

    def pristine_inputs(self) -> dict:
        """A deep copy: the reference never sees what the learner's code touched."""
        return clone(self.inputs)


NON_CONTIGUOUS = "non_contiguous"  # a case option: these inputs reach the learner as non-contiguous views
# (the same values; honoured by the sandbox child, grader/sandbox/case_layout.py, whose name this mirrors)


def non_contiguous(case: Case, *names: str) -> Case:
    """`case`, asking for the named tensor inputs to be handed to the learner non-contiguous
    (a `.view` that merges their dimensions raises; `reshape` works). Give them two or more
    dimensions, each longer than 1: a dimension of length 1 has no layout to get wrong."""
    case.options = {**case.options, NON_CONTIGUOUS: list(names)}
    return case


CREDIT_WITH = "credit_with"  # a case option: this case earns credit only if the named case passes too


def credited(cases: list[Case], passed: set[str]) -> int:
    """How many cases earn credit: a passed case whose `credit_with` partner passed too.
    For cases whose right answer is trivial (all zeros: layer norm with d = 1), so that
    code computing nothing scores 0."""
    by_name = {c.name for c in cases}
    count = 0
    for case in cases:
        partner = case.options.get(CREDIT_WITH) if isinstance(case.options, dict) else None
        if case.name in passed and (partner is None or partner not in by_name or partner in passed):
            count += 1
    return count


def case_tolerance(problem, case: Case) -> tuple[float, float]:
    """(atol, rtol) for a case: its own, else the problem's for its first float input's dtype."""
    if case.tolerance is not None:
        return case.tolerance
    for value in case.inputs.values():
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return problem.tolerance(str(value.dtype).removeprefix("torch."))
    return problem.tolerance("float32")


def clone(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(clone(v) for v in value)
    return copy.deepcopy(value)


def generator(seed: int, salt: str = "") -> torch.Generator:
    """A generator per (seed, case), so adding a case never shifts the others."""
    g = torch.Generator()
    g.manual_seed((seed * 1_000_003 + _stable_hash(salt)) % (2**63))
    return g


def _stable_hash(text: str) -> int:
    h = 1469598103934665603
    for byte in text.encode():
        h = ((h ^ byte) * 1099511628211) % (2**64)
    return h


def randn(g: torch.Generator, *shape, dtype=torch.float32, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale + shift).to(dtype)


def randint(g: torch.Generator, high: int, *shape) -> torch.Tensor:
    return torch.randint(0, high, shape, generator=g, dtype=torch.int64)


def model_weights(g: torch.Generator, vocab: int, d: int, max_len: int, num_blocks: int,
                  dtype=torch.float32, scale: float | None = None) -> dict:
    """Embedding, positions and packed block weights at a scale that keeps activations O(1)."""
    s = scale if scale is not None else d ** -0.5
    return {
        "w_emb": randn(g, vocab, d, dtype=dtype),
        "pos_embed": randn(g, max_len, d, dtype=dtype, scale=0.5),
        "blocks_weights": randn(g, num_blocks, 6, d, d, dtype=dtype, scale=s),
    }


# `grader.cases`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/cases.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.cases", _sys.modules[__name__])
