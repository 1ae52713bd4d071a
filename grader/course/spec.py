"""`problem.toml`, parsed and checked once, into typed values.

One frozen dataclass says what a problem is, as nanoGPT's `GPTConfig` says what a
model is. Every part of the grader reads the spec, never the raw table; a key the spec
does not know, or a value of the wrong kind, is a `CourseError` naming the file and the
key, whoever loads the course first.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .errors import CourseError
from ..policy.import_policy import DEFAULT_POLICY, ImportPolicy

DEFAULT_TOLERANCE = {"float32": (1e-5, 1e-4), "float64": (1e-10, 1e-8)}
LIMIT_KEYS = ("wall_seconds", "cpu_seconds", "memory_mb", "output_bytes", "result_mb", "scratch_mb", "check_seconds")
POLICY_KEYS = ("allow_imports", "deny_imports")


class SpecError(CourseError):
    """A problem.toml that does not say what the grader needs; the message names the key."""


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float


@dataclass(frozen=True)
class Influence:
    """Localisation's grid: which `input` positions each output position depends on."""

    input: str
    axis: int = 1
    output_axis: int | None = None
    labels: tuple[str, str] = ("output position", "input position")
    max_positions: int = 12


@dataclass(frozen=True)
class Localisation:
    """Where a wrong output goes wrong (grader/verdict/localise.py)."""

    enabled: bool = True
    stages: tuple[str, ...] | None = None  # building blocks to check first; None: every earlier problem
    axes: tuple[str, ...] = ()  # names of the output's leading axes, for the wrong-positions grid
    rows_of: str | None = None
    influence: Influence | None = None


DEFAULT_MIN_VARIANT_SCORE = 1.0


ACCEPT_PREFIXES = ("legitimate:", "equivalent:")


@dataclass(frozen=True)
class VariantSettings:
    """`[variants]`: how `grader validate` holds the cases to the reference's automatic variants."""

    enabled: bool = True
    min_score: float = DEFAULT_MIN_VARIANT_SCORE  # rejected / non-equivalent variants, below it: an error
    # Surviving variants the author argues for, by id (shown by `grader validate`): id -> "legitimate: why"
    # or "equivalent: why". They leave the score; a survivor not listed fails validation.
    accept: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ProblemSpec:
    entry: str
    title: str | None = None
    order: float | None = None
    banned: tuple[str, ...] = ()
    inherit_banned: tuple[str, ...] = ()
    banned_aten: tuple[str, ...] = ()
    mutable_inputs: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    tolerance: Mapping[str, Tolerance] = field(default_factory=lambda: MappingProxyType({}))
    limits: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    localisation: Localisation = Localisation()
    policy: ImportPolicy = DEFAULT_POLICY
    variants: VariantSettings = VariantSettings()

    def tolerance_for(self, dtype_name: str) -> tuple[float, float]:
        default = DEFAULT_TOLERANCE.get(dtype_name, DEFAULT_TOLERANCE["float32"])
        tol = self.tolerance.get(dtype_name)
        return (tol.atol, tol.rtol) if tol is not None else default


KNOWN_KEYS = tuple(f.name for f in dataclasses.fields(ProblemSpec) if f.name != "localisation") + ("localise",)


# --------------------------------------------------------------------------- parsing
def parse_spec(raw: dict, where: Path) -> ProblemSpec:
    """The table of `where` (a problem.toml) as a ProblemSpec, or a SpecError."""
    unknown = sorted(set(raw) - set(KNOWN_KEYS))
    if unknown:
        raise SpecError(f"{where}: unknown key `{unknown[0]}` (known: {', '.join(sorted(KNOWN_KEYS))}); a typo?")
    entry = raw.get("entry")
    if not isinstance(entry, str) or not entry.isidentifier():
        raise SpecError(f"{where}: `entry` must be the Python name of the function or class the learner writes "
                        f"(e.g. entry = \"layer_norm\"); got {entry!r}")
    title = raw.get("title")
    if title is not None and not isinstance(title, str):
        raise SpecError(f"{where}: `title` must be a string, got {title!r}")
    order = raw.get("order")
    if order is not None and (not isinstance(order, (int, float)) or isinstance(order, bool)):
        raise SpecError(f"{where}: `order` must be a number, got {order!r}")
    return ProblemSpec(
        entry=entry, title=title, order=float(order) if order is not None else None,
        **{key: _strings(raw, key, where) for key in ("banned", "inherit_banned", "banned_aten", "mutable_inputs",
                                                      "hints")},
        tolerance=_tolerance(raw.get("tolerance", {}), where),
        limits=_limits(raw.get("limits", {}), where),
        localisation=_localisation(raw.get("localise", {}), where),
        policy=parse_policy(raw.get("policy"), where),
        variants=_variant_settings(raw.get("variants", {}), where))


def _variant_settings(table, where: Path) -> VariantSettings:
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [variants] must be a table like [variants] min_score = 0.95")
    for key in table:
        if key not in ("enabled", "min_score", "accept"):
            raise SpecError(f"{where}: [variants] unknown key `{key}` (known: enabled, min_score, accept)")
    enabled, score = table.get("enabled", True), table.get("min_score", DEFAULT_MIN_VARIANT_SCORE)
    if not isinstance(enabled, bool):
        raise SpecError(f"{where}: [variants] `enabled` must be true or false, got {enabled!r}")
    if not _number(score) or not 0 <= score <= 1:
        raise SpecError(f"{where}: [variants] `min_score` must be a number from 0 to 1, got {score!r}")
    accept = table.get("accept", {})
    if not isinstance(accept, dict):
        raise SpecError(f"{where}: [variants.accept] must be a table of variant id = \"legitimate: why\" "
                        "(or \"equivalent: why\")")
    for vid, why in accept.items():
        if not isinstance(why, str) or not why.startswith(ACCEPT_PREFIXES) or not why.split(":", 1)[1].strip():
            raise SpecError(f"{where}: [variants.accept] `{vid}`: say why in one line starting with "
                            f"\"legitimate:\" or \"equivalent:\", got {why!r}")
    return VariantSettings(enabled, float(score), MappingProxyType(dict(accept)))


def _strings(raw: dict, key: str, where: Path) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise SpecError(f"{where}: `{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _tolerance(table, where: Path) -> Mapping[str, Tolerance]:
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [tolerance] must be a table like float32 = {{ atol = 1e-5, rtol = 1e-4 }}")
    out = {}
    for dtype, tol in table.items():
        if not isinstance(tol, dict) or set(tol) - {"atol", "rtol"} or not all(_number(x) and x >= 0
                                                                             for x in tol.values()):
            raise SpecError(f"{where}: [tolerance] {dtype} must be {{ atol = ..., rtol = ... }} with numbers >= 0, "
                            f"got {tol!r}")
        default = DEFAULT_TOLERANCE.get(dtype, DEFAULT_TOLERANCE["float32"])
        out[dtype] = Tolerance(float(tol.get("atol", default[0])), float(tol.get("rtol", default[1])))
    return MappingProxyType(out)


def _limits(table, where: Path) -> Mapping[str, float]:
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [limits] must be a table (keys: {', '.join(LIMIT_KEYS)})")
    for key, value in table.items():
        if key not in LIMIT_KEYS:
            raise SpecError(f"{where}: [limits] unknown key `{key}` (known: {', '.join(LIMIT_KEYS)})")
        if not _number(value) or value <= 0:
            raise SpecError(f"{where}: [limits] `{key}` must be a positive number, got {value!r}")
    return MappingProxyType(dict(table))


def _localisation(table, where: Path) -> Localisation:
    if table is False:
        return Localisation(enabled=False)
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [localise] must be a table, or localise = false")
    known = {"enabled", "stages", "axes", "rows_of", "influence"}
    for key in table:
        if key not in known:
            raise SpecError(f"{where}: [localise] unknown key `{key}` (known: {', '.join(sorted(known))})")
    influence = table.get("influence")
    if influence is not None:
        influence = _influence(influence, where)
    stages = table.get("stages")
    return Localisation(enabled=bool(table.get("enabled", True)),
                        stages=tuple(_strings(table, "stages", where)) if stages is not None else None,
                        axes=_strings(table, "axes", where), rows_of=table.get("rows_of"), influence=influence)


def _influence(table, where: Path) -> Influence:
    known = {f.name for f in dataclasses.fields(Influence)}
    if not isinstance(table, dict) or "input" not in table:
        raise SpecError(f"{where}: [localise.influence] needs `input`, the name of the input to perturb")
    for key in table:
        if key not in known:
            raise SpecError(f"{where}: [localise.influence] unknown key `{key}` (known: {', '.join(sorted(known))})")
    labels = table.get("labels", list(Influence.labels))
    if not isinstance(labels, list) or len(labels) != 2 or not all(isinstance(x, str) for x in labels):
        raise SpecError(f"{where}: [localise.influence] `labels` must be two strings, got {labels!r}")
    return Influence(input=str(table["input"]), axis=int(table.get("axis", 1)),
                     output_axis=int(table["output_axis"]) if "output_axis" in table else None,
                     labels=(labels[0], labels[1]), max_positions=int(table.get("max_positions", 12)))


def parse_policy(table, where: Path) -> ImportPolicy:
    """`[policy]`: the default allow-list, widened by `allow_imports` and narrowed by
    `deny_imports` (dotted module or API paths)."""
    if table is None:
        return DEFAULT_POLICY
    if not isinstance(table, dict):
        raise SpecError(f"{where}: `policy` must be a table: [policy] allow_imports = [...]")
    for key in table:
        if key not in POLICY_KEYS:
            raise SpecError(f"{where}: [policy] has unknown key `{key}` (known: {', '.join(POLICY_KEYS)})")
    lists = {key: table.get(key, []) for key in POLICY_KEYS}
    for key, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) and _is_dotted_name(v) for v in value):
            raise SpecError(f"{where}: [policy] `{key}` must be a list of dotted module names like "
                            f"\"scipy.special\", got {value!r}")
    return DEFAULT_POLICY.widened(lists["allow_imports"], lists["deny_imports"])


def _is_dotted_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))
