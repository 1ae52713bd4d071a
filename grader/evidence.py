"""What a diagnosis rests on, as typed data: the known-mistake catalogue, a property a
right answer must have, a stage of the model switched on and off through its weights, or,
when none of them explains a failure, the failing check itself (a rule of the contract it
tests, or the exception raised).

A `Finding` is what the explanation layer (grader/explain.py) hands back: the name of
what is wrong, in the learner's words, and the experiment behind it (what was changed,
what was seen), so a teacher reading the report can redo it by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class EvidenceKind(str, Enum):
    KNOWN_MISTAKE = "known-mistake"  # a catalogued mistake reproduces the output on every case
    PROPERTY = "property"  # an invariance or identity every right answer has, broken on purpose-made inputs
    ABLATION = "ablation"  # parts of the model switched off through the weights; the first stage that disagrees
    CHECK = "check"  # the failing check itself: a broken rule of the contract, or an exception (run alone too)


@dataclass(frozen=True)
class Finding:
    name: str  # what is wrong, short: "a residual connection is missing"
    explanation: str  # the experiment and its result, in plain words
    evidence: EvidenceKind
    changed: str  # what was done to the inputs
    seen: str  # what the learner's code returned
    hint: str = ""
    also: tuple[str, ...] = field(default_factory=tuple)  # other explanations that fit as well

    def to_dict(self) -> dict:
        data = {"name": self.name, "explanation": self.explanation, "hint": self.hint,
                "evidence": self.evidence.value, "changed": self.changed, "seen": self.seen}
        if self.also:
            data["also"] = list(self.also)
        return data
