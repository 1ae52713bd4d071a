"""Properties a right answer must have: invariances and identities checked on
purpose-made inputs, with no reference needed.

A problem declares them in its public `problems/<slug>/properties.py` as
`properties(seed) -> list[Property]` (so a learner's bundle has them too). Each
property lists the inputs it needs (run by the learner's code in the sandbox, all in
one child with the check's own trials) and a `check` that looks at the outputs and
returns a `Broken` when the property fails: what was seen, in plain words with a small
concrete example, and, when the evidence says more (a fitted constant), a sharper name.
It returns `HELD` when it checked the property and the property held, and None when it
cannot say (an output missing, evidence that fits neither answer): only a HELD property
is ever listed to the learner as satisfied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .finding import EvidenceKind, Finding


@dataclass(frozen=True)
class Broken:
    seen: str  # "row [1, 2, 3] -> [...]; row + 10 -> [...]"
    name: str = ""  # sharper than the property's own `broken`, when the evidence supports it
    explanation: str = ""
    # True only when the check's own reading isolates the cause (a fitted constant, the one slip whose output the
    # learner's equals on these inputs, the measured fact itself: a dtype not kept): then the property's hint,
    # which names what to write, is about what was proven. A symptom alone gets no hint.
    isolated: bool = False


class _Held:
    """What a check returns when it looked and the property held (None: it could not say)."""

    def __repr__(self) -> str:
        return "HELD"


HELD = _Held()


@dataclass(frozen=True)
class Property:
    name: str  # what holds for a right answer: "unchanged when a constant is added to a row"
    trials: tuple[dict, ...]  # inputs of the entry, one dict per run
    check: Callable[[list, list], "Broken | _Held | None"]  # (outputs, trials) -> Broken, HELD or None (no word)
    broken: str  # what a failure shows, in the learner's words
    changed: str  # what the inputs do: "each row, then the same row plus 10"
    hint: str = ""
    options: tuple[dict, ...] = field(default_factory=tuple)  # per-trial probe options, if any
    key: str | None = "output"  # which entry of the probe's value the check reads (None: all of it)
    gate: bool = False  # broken, it voids the ablation (e.g. code that is not repeatable: stages mean nothing)
    # A controlled pair: the names of properties whose inputs differ from this one's only in the part this one adds
    # (causal on; real w_v, w_o). When they all HELD, this one's failure is isolated to that part, and its hint is
    # shown even without a reading of the cause.
    isolated_given: tuple[str, ...] = ()


def read_properties(results: list[tuple[Property, "Broken | _Held | None"]]) -> Finding | None:
    """The first broken property (they are declared most telling first) is the finding; those
    that were checked and held are listed as satisfied (one that could not be checked is not
    listed at all). The others broken too are NOT in the explanation: one wrong line breaks
    several properties (a float32 buffer fails a float64 scale reading by its precision alone),
    nothing measured says they are independent of the first, and listed under it they read as
    further causes. They are kept as `also_failed`, data for tools. The property's hint is
    given only when the failure is isolated (`Broken.isolated`, or `isolated_given` all held)."""
    broken = [(p, b) for p, b in results if isinstance(b, Broken)]
    if not broken:
        return None
    prop, first = broken[0]
    name = first.name or prop.broken
    lines = [f"A right answer is {prop.name}; yours is not.", f"The grader tried: {prop.changed}.",
             f"It saw: {first.seen}."]
    if first.explanation:
        lines.append(first.explanation)
    held = [p.name for p, b in results if b is HELD]
    if held:
        lines.append("Satisfied: " + "; ".join(held) + ".")
    return Finding(name=name, explanation="\n".join(lines), evidence=EvidenceKind.PROPERTY,
                   changed=prop.changed, seen=first.seen, hint=prop.hint if _isolated(prop, first, held) else "",
                   also_failed=tuple(p.name for p, _ in broken[1:]))


def _isolated(prop: Property, broken: Broken, held: list[str]) -> bool:
    """The failure says which part is wrong: the check read its cause, or every property of its
    controlled pair held (the one difference between the experiments is the part)."""
    return broken.isolated or (bool(prop.isolated_given) and all(name in held for name in prop.isolated_given))


# `grader.properties`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/properties.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.properties", _sys.modules[__name__])
