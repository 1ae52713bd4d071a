"""What a diagnosis rests on, as typed data: the known-mistake catalogue, a property a
right answer must have, a stage of the model switched on and off through its weights, or,
when none of them explains a failure, the failing check itself (a rule of the contract it
tests, or the exception raised).

A `Finding` is what the explanation layer (grader/verdict/explain.py) hands back: the name of
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
    VARIANT = "variant"  # the reference with one automatic edit reproduces the output on every case


class Confidence(str, Enum):
    """How far the evidence goes, in words a learner reads."""

    PROVEN = "proven"  # a catalogued mistake or a variant reproduces the output exactly; a contract rule broken
    CONSISTENT = "consistent with"  # a property every right answer has is broken, with numbers
    LOCALISED = "localised only"  # a stage is wrong; its cause is not isolated


DEFAULT_CONFIDENCE = {"known-mistake": Confidence.PROVEN, "variant": Confidence.PROVEN,
                      "check": Confidence.PROVEN, "property": Confidence.CONSISTENT,
                      "ablation": Confidence.LOCALISED}


def hint_to_show(diagnosis: dict) -> str:
    """The hint a screen may print under a diagnosis: none under one that only localises (its
    hint would be the formula of the part found, read as "this part is wrong"). The evidence
    layers give such findings no hint; this holds for any diagnosis dict, a bundle's too."""
    if diagnosis.get("confidence") == Confidence.LOCALISED.value:
        return ""
    return diagnosis.get("hint") or ""


def confidence_of(evidence: str) -> str:
    """The confidence a diagnosis of this evidence kind carries ("localised only" when unknown)."""
    return DEFAULT_CONFIDENCE.get(evidence, Confidence.LOCALISED).value


@dataclass(frozen=True)
class Finding:
    name: str  # what is wrong, short: "a residual connection is missing"
    explanation: str  # the experiment and its result, in plain words
    evidence: EvidenceKind
    changed: str  # what was done to the inputs
    seen: str  # what the learner's code returned
    hint: str = ""
    also: tuple[str, ...] = field(default_factory=tuple)  # other explanations that fit as well
    # Other measurements that failed too, not shown as causes: nothing measured says they are independent of
    # this finding (one wrong line breaks several properties). Data for tools, never on the learner's screen.
    also_failed: tuple[str, ...] = field(default_factory=tuple)
    confidence: Confidence | None = None  # None: the evidence kind's own (DEFAULT_CONFIDENCE)

    def to_dict(self) -> dict:
        data = {"name": self.name, "explanation": self.explanation, "hint": self.hint,
                "evidence": self.evidence.value, "changed": self.changed, "seen": self.seen,
                "confidence": (self.confidence or DEFAULT_CONFIDENCE[self.evidence.value]).value}
        if self.also:
            data["also"] = list(self.also)
        if self.also_failed:
            data["also_failed"] = list(self.also_failed)
        return data
