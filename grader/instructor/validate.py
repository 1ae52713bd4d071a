"""`grader validate`: is a problem complete, consistent and fair?

For each problem: the scaffold's placeholders are gone; the config parses, names an
entry point and banned APIs that resolve; the statement and hints exist; the stub
defines the entry point, is not itself flagged, and fails as "not implemented"; the
stub, the statement's code and the reference give the entry point one signature; the
reference loads, its cases are deterministic per seed and change with the seed; the
reference, run as if it were a learner's file, passes its own check in the sandbox
(so the probe, limits, tolerances and judge agree with it); every known mistake is
rejected on at least one case of every seed tried (run in-process through the
problem's probe and judge); worked examples written in prose and formulas in the hints and
statement agree with what the reference computes (grader/instructor/statement_checks.py);
the reference uses no banned API; the reference breaks none of
the problem's properties and ablation stages (the evidence layer never diagnoses it); and a public judge
(problems/<slug>/judge.py) imports nothing but torch, math and grader's public helpers
(never the reference) and gets plain data from the reference's `expected(case)`. Every finding says
what to fix, and where.

Run with a sandbox started before any reference is loaded (the CLI does).
"""

from __future__ import annotations

import ast
import inspect
import shutil
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Callable

import torch

from ..verdict.inprocess import load_probe, run_in_process
from ..policy.banned import aten_ops_available, build_spec
from ..course.cases import Case
from ..course.loader import Course, Problem
from ..verdict.judge import PUBLIC_JUDGE_FILE, expected_output, has_public_judge, judge, public_judge_module
from . import signature as signatures
from ..course.mistakes import Mistake
from .signature import Signature
from ..verdict.runner import check_problem
from ..verdict.explain import ablation_stages, problem_properties, run_evidence
from ..verdict.torch_threads import one_torch_thread
from ..sandbox.parent import Job, Limits, Outcome, Sandbox
from ..sandbox.case_layout import NON_CONTIGUOUS, non_contiguous as non_contiguous_copy

# What references import from the grader (the authors' API): the zygote that runs a
# reference as a learner's file (the own check) imports it first, as trusted code.
AUTHOR_API = ("grader.cases", "grader.mistakes", "grader.compare", "grader.judge", "grader.properties",
              "grader.propkit", "grader.common_props", "grader.sampling_props", "grader.ablation", "grader.course")
from ..policy.static import is_real_module, scan_file, scan_source
from .validation import CHECKS, DEFAULT_SEEDS, Finding, Validation, order_warnings  # noqa: F401 (for callers)

SCAFFOLD_MARK = "TODO(grader new)"

MAX_SURVIVORS_SHOWN = 12
# What a public judge (shipped to learners, run in the grader's process) may import: never the reference.
PUBLIC_JUDGE_IMPORTS = {"__future__", "math", "torch", "grader.compare", "grader.cases", "grader.mistakes"}
PUBLIC_JUDGE_FROM_GRADER_JUDGE = {"check_inputs_unchanged", "case_tolerance"}
PUBLIC_JUDGE_FORBIDDEN_NAMES = {"sibling", "public_module", "load_module_from_path", "__import__", "importlib",
                                "exec", "eval", "open", "reference"}


# --------------------------------------------------------------------------- helpers
def same_value(a, b) -> bool:
    """Exact equality of case inputs (NaN equals NaN), through containers, generators, modules."""
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.is_floating_point() or a.is_complex():
            return bool(torch.equal(torch.nan_to_num(a), torch.nan_to_num(b))) and \
                bool(torch.equal(a.isnan(), b.isnan()))
        return bool(torch.equal(a, b))
    if isinstance(a, torch.Generator):
        return bool(torch.equal(a.get_state(), b.get_state()))
    if isinstance(a, torch.nn.Module):
        return same_value(dict(a.state_dict()), dict(b.state_dict()))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:
        return False


def _where(exc: BaseException, path: Path) -> str:
    """` (line N)` of the deepest frame in `path`, if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
    return f" (line {frames[-1].lineno})" if frames else ""


def _public_import(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in PUBLIC_JUDGE_IMPORTS - {"grader.judge"})


def _exc(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- the checks
class _Validator:
    def __init__(self, course: Course, problem: Problem, sandbox: Sandbox, seeds: tuple[int, ...],
                 workers: int | None = None):
        self.course, self.problem, self.sandbox = course, problem, sandbox
        self.workers = workers
        self.seeds = tuple(dict.fromkeys(seeds)) or DEFAULT_SEEDS
        self.v = Validation(problem.slug, problem.title, str(problem.root))
        self.spec = None
        self.reference = None
        self.cases_by_seed: dict[int, list[Case]] = {}
        self.crashed = False  # a check raised: the validation is not stored in the cache
        self.untouched_cases: dict[int, list[Case]] = {}
        self.pending_variants = None  # the variants' workers, started after the cases

    # -- recording ---------------------------------------------------------------
    def error(self, check: str, message: str) -> None:
        self.v.findings.append(Finding("error", check, message))

    def warn(self, check: str, message: str) -> None:
        self.v.findings.append(Finding("warning", check, message))

    def rel(self, path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.problem.root.resolve()))
        except ValueError:
            return str(path)

    def run(self) -> Validation:
        started = time.monotonic()
        steps = [("scaffold", self.check_scaffold), ("config", self.check_config),
                 ("statement", self.check_statement), ("stub", self.check_stub),
                 ("reference", self.check_reference), ("signature", self.check_signature),
                 ("cases", self.check_cases), ("examples", self.check_examples),
                 ("prose examples", self.check_prose_examples), ("formulas", self.check_formulas),
                 ("relations", self.check_relations),
                 ("claims", self.check_claims),
                 ("public judge", self.check_public_judge), ("own check", self.check_own), ("stub fails", self.check_stub_fails),
                 ("mistakes", self.check_mistakes), ("tolerance", self.check_tolerance),
                 ("trivial answers", self.check_trivial), ("reference bans", self.check_reference_bans),
                 ("evidence", self.check_evidence), ("variants", self.check_variants)]
        after_own = ("mistakes", "variants", "tolerance", "trivial answers", "evidence")
        statement_claims = ("prose examples", "formulas", "relations", "claims")
        for name, step in steps:
            if name in ("cases", "examples", "own check", "stub fails", "reference bans", "evidence") + after_own \
                    + statement_claims and self.reference is None:
                continue  # nothing to run without a reference that loads
            if name in ("own check", "stub fails", "formulas", "claims") + after_own and not self.cases_by_seed:
                continue  # nor without cases
            if name in ("own check", "stub fails", "reference bans") and self.spec is None:
                continue  # nor without a config that resolves
            if name == "variants" and not self.problem.spec.variants.enabled:
                continue
            if name in after_own and any(f.check == "own check" and f.level == "error"
                                         for f in self.v.findings):
                continue  # mistakes and experiments are measured against a reference that passes
            self.v.ran.append(name)
            step_started = time.monotonic()
            try:
                step()
            except Exception as exc:  # a check that crashes is a finding, not a crash of validate
                self.error(name, f"the check itself failed: {_exc(exc)}")
                self.crashed = True
            self.v.step_seconds[name] = round(time.monotonic() - step_started, 3)
            if name == "cases":
                self._start_variants()
        if self.pending_variants is not None:
            self.pending_variants.cancel()  # not collected: an earlier check failed
        self.v.elapsed = time.monotonic() - started
        return self.v

    # -- scaffold ------------------------------------------------------------------
    def check_scaffold(self) -> None:
        p = self.problem
        paths = [p.dir / "problem.toml", p.statement_path, p.stub_path, p.reference_path]
        if p.probe_path:
            paths.append(p.probe_path)
        for path in paths:
            if not path.exists():
                continue
            for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if SCAFFOLD_MARK in line:
                    what = line.split(SCAFFOLD_MARK, 1)[1].lstrip(":").strip().rstrip('",').strip()
                    self.error("scaffold", f"{self.rel(path)}:{lineno}: fill in the scaffold's placeholder: {what}")

    # -- config --------------------------------------------------------------------
    def check_config(self) -> None:
        """problem.toml's form is checked when the course loads (grader/course/spec.py: a key it does
        not know, or a value of the wrong kind, stops the load with the file and key named).
        Here: what only the course and torch can tell."""
        p, spec, toml = self.problem, self.problem.spec, f"{self.rel(self.problem.dir / 'problem.toml')}"
        if is_real_module(p.module_name, p.dir):
            self.error("config", f"{toml}: the learner's file would be {p.module_name}.py, named like the module "
                       f"`{p.module_name}`; the static scan refuses such files (they replace the module): rename "
                       "the problem")
        if spec.title is None:
            self.warn("config", f"{toml}: no `title`: learners see the slug instead")
        if spec.order is None:
            self.warn("config", f"{toml}: no `order`: the problem is listed last")
        unknown = [s for s in spec.inherit_banned if s not in self.course.problems]
        for slug in unknown:
            self.error("config", f"{toml}: inherit_banned names unknown problem {slug!r} "
                       f"(known: {', '.join(self.course.problems)})")
        if unknown:
            return
        names = self.course.banned_names(p)
        own = set(spec.banned)
        banned = build_spec(names, self.course.banned_aten(p))
        for name in banned.unresolved:
            origin = "" if name in own else " (inherited through inherit_banned)"
            self.error("config", f"{toml}: banned name `{name}`{origin} does not resolve to a Python object: "
                       "write its public dotted path, e.g. `torch.nn.functional.gelu` or `torch.nn.LayerNorm`")
        available = aten_ops_available()
        for op in self.course.banned_aten(p):
            if op.removeprefix("aten.") not in available:
                self.error("config", f"{toml}: banned_aten `{op}` is not an aten op in this torch "
                           f"({torch.__version__}); see `dir(torch.ops.aten)`")
        for dtype in spec.tolerance:
            if not isinstance(getattr(torch, dtype, None), torch.dtype):
                self.error("config", f"{toml}: [tolerance] key `{dtype}` is not a torch dtype name (float32, float64...)")
        if not any(f.level == "error" and f.check == "config" for f in self.v.findings):
            self.spec = banned

    # -- statement and hints -------------------------------------------------------------
    def check_statement(self) -> None:
        p = self.problem
        path = p.statement_path
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if not text.strip():
            self.error("statement", f"{self.rel(path)}: write the statement (shapes, conventions, the math, how it "
                       "is checked, what is banned and why)")
        elif p.entry not in text:
            self.warn("statement", f"{self.rel(path)}: the statement never names the entry point "
                      f"`{p.entry}`")
        hints = list(p.spec.hints)
        if not hints:
            self.error("statement", f"{self.rel(p.dir / 'problem.toml')}: add `hints = [...]`, at least one "
                       "(progressive: the first gentle, the last nearly the answer)")
        for i, hint in enumerate(hints if isinstance(hints, list) else [], 1):
            if not isinstance(hint, str) or not hint.strip():
                self.error("statement", f"{self.rel(p.dir / 'problem.toml')}: hint {i} is empty")

    # -- stub --------------------------------------------------------------------------
    def check_stub(self) -> None:
        p = self.problem
        path = p.stub_path
        if not path.exists():
            self.error("stub", f"{self.rel(path)}: missing; the learner starts from it")
            return
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(source, filename=str(path))
        except SyntaxError as exc:
            self.error("stub", f"{self.rel(path)}:{exc.lineno}: syntax error: {exc.msg}")
            return
        entry = p.entry
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        if isinstance(entry, str) and entry not in defined:
            self.error("stub", f"{self.rel(path)}: does not define `{entry}` at top level (it defines: "
                       f"{', '.join(sorted(defined)) or 'nothing'})")
        if self.spec is not None:
            violations, _ = scan_source(source, self.spec, self.rel(path), policy=p.policy)
            for v in violations:
                self.error("stub", f"{v.file}:{v.line}: the stub itself is flagged ({v.api}: {v.how}); every "
                           "learner would start with this violation")

    # -- reference ----------------------------------------------------------------------
    def check_reference(self) -> None:
        p = self.problem
        path = p.reference_path
        if not path.exists():
            self.error("reference", f"{self.rel(path)}: missing; write the solution `{p.entry}`, "
                       "`cases(seed)` and `MISTAKES` there")
            return
        try:
            ref = p.reference
        except Exception as exc:
            self.error("reference", f"{self.rel(path)} does not load{_where(exc, path)}: {_exc(exc)}")
            return
        entry = p.entry
        ok = True
        if not callable(getattr(ref, str(entry), None)):
            self.error("reference", f"{self.rel(path)}: defines no `{entry}` (the reference solution, under the "
                       "entry point's name)")
            ok = False
        if not callable(getattr(ref, "cases", None)):
            self.error("reference", f"{self.rel(path)}: defines no `cases(seed) -> list[Case]`")
            ok = False
        judge_fn = getattr(ref, "judge", None)
        if judge_fn is not None and not callable(judge_fn):
            self.error("reference", f"{self.rel(path)}: `judge` must be a function judge(case, value, tolerance)")
            ok = False
        public = has_public_judge(p)
        if judge_fn is not None and public:
            self.error("reference", f"{self.rel(path)} defines `judge` and the problem has a public judge "
                       f"({self.rel(p.dir / PUBLIC_JUDGE_FILE)}), which wins: move what the reference's judge "
                       "checks into the public one (reference data through `expected(case)`) and delete it")
        expected_fn = getattr(ref, "expected", None)
        if expected_fn is not None and not callable(expected_fn):
            self.error("reference", f"{self.rel(path)}: `expected` must be a function expected(case) -> plain data")
            ok = False
        elif expected_fn is not None and not public:
            self.warn("reference", f"{self.rel(path)} defines `expected(case)`, which only a public judge "
                      f"({self.rel(p.dir / PUBLIC_JUDGE_FILE)}) uses; this problem has none")
        mistakes = getattr(ref, "MISTAKES", None)
        if mistakes is None or (isinstance(mistakes, (list, tuple)) and not mistakes):
            self.warn("reference", f"{self.rel(path)}: no known mistakes (`MISTAKES = [Mistake(...)]`): the "
                      "check will never name what a learner got wrong")
        elif not isinstance(mistakes, (list, tuple)) or not all(isinstance(m, Mistake) for m in mistakes):
            self.error("reference", f"{self.rel(path)}: `MISTAKES` must be a list of grader.mistakes.Mistake")
            ok = False
        else:
            for m in mistakes:  # one name may cover several variants of the same mistake
                if not callable(m.fn):
                    self.error("reference", f"{self.rel(path)}: mistake {m.name!r}: `fn` is not callable")
                    ok = False
        if ok:
            self.reference = ref

    # -- signature -------------------------------------------------------------------------
    def _signatures(self, path: Path, read) -> dict[str, Signature]:
        if not path.exists():
            return {}
        return read(path.read_text(encoding="utf-8", errors="replace"), self.problem.entry)

    def check_signature(self) -> None:
        """The stub and the statement show the entry point as the reference defines it (names,
        order, kinds, defaults): a learner keeping the stub's default must not fail for it."""
        p = self.problem
        stub = self._signatures(p.stub_path, signatures.from_source)
        reference = self._signatures(p.reference_path, signatures.from_source)
        shown = self._signatures(p.statement_path, signatures.from_statement)
        if stub and p.statement_path.exists() and not shown:
            self.warn("signature", f"{self.rel(p.statement_path)}: no code block shows `def {p.entry}(...)`: "
                      "learners see its signature only in the stub")
        truth, truth_path = (reference, p.reference_path) if reference else (stub, p.stub_path)
        for path, found, verb in ((p.stub_path, stub, "writes"), (p.statement_path, shown, "shows")):
            if path == truth_path:
                continue
            for name, sig in found.items():
                expected = truth.get(name)
                differs = expected and sig.difference(expected)
                if differs:
                    self.error("signature", f"{self.rel(path)} {verb} `{sig}` but {self.rel(truth_path)} has "
                               f"`{expected}`: {differs}. A learner who follows it fails cases with nothing to "
                               "say why; make them agree")

    # -- cases ----------------------------------------------------------------------------
    def _cases(self, seed: int) -> list[Case] | None:
        path = self.problem.reference_path
        try:
            cases = self.reference.cases(seed)
        except Exception as exc:
            self.error("cases", f"{self.rel(path)}: cases({seed}) raised{_where(exc, path)}: {_exc(exc)}")
            return None
        if not isinstance(cases, (list, tuple)) or not all(isinstance(c, Case) for c in cases):
            self.error("cases", f"{self.rel(path)}: cases({seed}) must return a list of grader.cases.Case")
            return None
        return list(cases)

    def check_cases(self) -> None:
        p, path = self.problem, self.problem.reference_path
        first, other = self.seeds[0], next((s for s in self.seeds[1:]), self.seeds[0] + 1)
        a, again, b = self._cases(first), self._cases(first), self._cases(other)
        if a is None or again is None or b is None:
            return
        if not a:
            self.error("cases", f"{self.rel(path)}: cases({first}) returned no cases")
            return
        names = [c.name for c in a]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.error("cases", f"{self.rel(path)}: two cases are named {name!r}; case names are their stable ids")
        bad_inputs = [c.name for c in a if not isinstance(c.inputs, dict)]
        for name in bad_inputs:
            self.error("cases", f"{self.rel(path)}: case {name!r}: `inputs` must be a dict of keyword arguments")
        if bad_inputs:
            return
        if [c.name for c in again] != names:
            self.error("cases", f"{self.rel(path)}: cases({first}) returns different case names on a second call")
            return
        unstable = [c.name for c, d in zip(a, again)
                    if not (same_value(c.inputs, d.inputs) and same_value(c.options, d.options)
                            and c.tolerance == d.tolerance)]
        for name in unstable:
            self.error("cases", f"{self.rel(path)}: case {name!r} is not deterministic: the same seed gave different "
                       "inputs; draw every random value from `generator(seed, name)` (never the global RNG)")
        by_name = {c.name: c for c in b}
        if all(c.name in by_name and same_value(c.inputs, by_name[c.name].inputs) for c in a):
            self.error("cases", f"{self.rel(path)}: cases({first}) and cases({other}) are identical: hidden seeds "
                       "would grade the public cases; seed the random inputs with `generator(seed, name)`")
        if p.probe_path is None:
            entry = getattr(self.reference, p.entry)
            try:
                signature = inspect.signature(entry)
            except (TypeError, ValueError):
                signature = None
            for case in a if signature else []:
                try:
                    signature.bind(**case.inputs)
                except TypeError as exc:
                    self.error("cases", f"{self.rel(path)}: case {case.name!r}: its inputs do not fit "
                               f"`{p.entry}{signature}`: {exc}")
        for case in a:
            self._check_layout(path, case)
        every_input = {k for c in a for k in c.inputs}
        for name in p.mutable_inputs:
            if name not in every_input:
                self.warn("cases", f"problem.toml: mutable_inputs names `{name}`, which no case has")
        floats = [v for c in a for v in c.inputs.values() if isinstance(v, torch.Tensor) and v.is_floating_point()]
        if floats and not any(v.dtype == torch.float64 for v in floats):
            self.warn("cases", f"{self.rel(path)}: no float64 case: a solution that silently casts to float32 "
                      "would pass")
        self.cases_by_seed = {first: a, other: b}
        # The second call's cases, equal to the first's (checked above) and used by nothing else: the
        # sandboxed checks take them instead of drawing the cases a third and fourth time.
        self.untouched_cases = {first: again} if not unstable else {}
        for seed in self.seeds:
            if seed not in self.cases_by_seed:
                got = self._cases(seed)
                if got is not None:
                    self.cases_by_seed[seed] = got

    def _check_layout(self, path: Path, case: Case) -> None:
        """A case asking for non-contiguous inputs (grader/sandbox/case_layout.py) names tensors whose
        layout can change: otherwise it tests nothing it says it does."""
        names = case.options.get(NON_CONTIGUOUS) if isinstance(case.options, dict) else None
        if names is None:
            return
        if isinstance(names, str) or not isinstance(names, (list, tuple)):
            self.error("cases", f"{self.rel(path)}: case {case.name!r}: `{NON_CONTIGUOUS}` must list input names, "
                       f"got {names!r}")
            return
        for name in names:
            value = case.inputs.get(name)
            if type(value) is not torch.Tensor:
                self.error("cases", f"{self.rel(path)}: case {case.name!r}: `{NON_CONTIGUOUS}` names `{name}`, "
                           "which is not a tensor input of the case")
            elif non_contiguous_copy(value).is_contiguous():
                self.error("cases", f"{self.rel(path)}: case {case.name!r}: input `{name}` of shape "
                           f"{tuple(value.shape)} has no other layout (give every dimension two or "
                           "more entries), so it reaches the learner contiguous")

    # -- the public judge ----------------------------------------------------------------
    def check_public_judge(self) -> None:
        """It is shipped to learners: it must not need (or leak) the reference, and what the
        reference precomputes for it must fit in fixtures.pt."""
        from .fixtures_write import _plain

        p = self.problem
        if not has_public_judge(p):
            return  # nothing shipped, nothing to check
        path = p.dir / PUBLIC_JUDGE_FILE
        where = self.rel(path)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except SyntaxError as exc:
            self.error("public judge", f"{where}:{exc.lineno}: syntax error: {exc.msg}")
            return
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not _public_import(alias.name):
                        self.error("public judge", f"{where}:{line}: imports `{alias.name}`; a public judge may "
                                   f"import only {', '.join(sorted(PUBLIC_JUDGE_IMPORTS - {'__future__'}))} and "
                                   "grader.judge.check_inputs_unchanged; reference data comes in `expected`")
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                names = [a.name for a in node.names]
                allowed = _public_import(module) or (
                    module == "grader.judge" and set(names) <= PUBLIC_JUDGE_FROM_GRADER_JUDGE)
                if not allowed:
                    self.error("public judge", f"{where}:{line}: `from {module} import {', '.join(names)}`: a public "
                               "judge may import only torch, math and grader's public helpers (grader.compare, "
                               "grader.cases, grader.mistakes, grader.judge.check_inputs_unchanged); reference "
                               "data comes in `expected`")
            elif isinstance(node, (ast.Name, ast.Attribute)):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name in PUBLIC_JUDGE_FORBIDDEN_NAMES:
                    self.error("public judge", f"{where}:{line}: uses `{name}`: a public judge is shipped without "
                               "the reference and must not load code or files; reference data comes in `expected`")
        try:
            module = public_judge_module(p)
        except Exception as exc:
            self.error("public judge", f"{where} does not load{_where(exc, path)}: {_exc(exc)}")
            return
        fn = getattr(module, "judge", None)
        if not callable(fn):
            self.error("public judge", f"{where}: defines no `judge(case, value, tolerance, expected)`")
            return
        try:
            inspect.signature(fn).bind(None, None, None, None)
        except (TypeError, ValueError):
            self.error("public judge", f"{where}: `judge` must take (case, value, tolerance, expected)")
        if self.reference is None or not self.cases_by_seed:
            return
        for case in next(iter(self.cases_by_seed.values())):
            try:
                data = expected_output(p, case)
            except Exception as exc:
                self.error("public judge", f"{self.rel(p.reference_path)}: expected(case) raised on case "
                           f"{case.name!r}{_where(exc, p.reference_path)}: {_exc(exc)}")
                return
            if not _plain(data):
                self.error("public judge", f"{self.rel(p.reference_path)}: expected(case) on case {case.name!r} "
                           f"returned a {type(data).__name__} holding more than plain tensors, numbers, strings, "
                           "lists and dicts: it could not be shipped in a learner's fixtures.pt")
                return

    # -- the reference passes its own check --------------------------------------------
    def _workspace(self, tmp: Path, source: Path, with_siblings: bool) -> Path:
        """A workspace holding `source` under the learner's file name (and the reference's
        sibling modules, which references load with `sibling(__file__, ...)`)."""
        ws = tmp / ("reference" if with_siblings else "stub")
        ws.mkdir()
        if with_siblings:
            for sib in source.parent.glob("*.py"):
                shutil.copyfile(sib, ws / sib.name)
        target = ws / f"{self.problem.module_name}.py"
        shutil.copyfile(source, target)
        return target

    def check_own(self) -> None:
        """In the sandbox at the first seed (isolation, limits, probe, serialisation, judge);
        in-process through the probe and judge at the other seeds (cheap, and catches
        seed-dependent trouble such as ties at a boundary)."""
        p = self.problem
        seed = self.seeds[0]
        with tempfile.TemporaryDirectory(prefix="grader-validate-") as tmp:
            file = self._workspace(Path(tmp), p.reference_path, with_siblings=True)
            report = check_problem(self.course, p, file=file, workspace=file.parent, seed=seed,
                                   sandbox=self.sandbox, diagnose=False, localise=False,
                                   cases=self.untouched_cases.get(seed))
        where = f"(seed {seed}, the reference run as a learner's file in the sandbox)"
        for v in report.violations:
            if v.kind == "banned":
                self.error("own check", f"the reference calls banned `{v.api}` at {v.file}:{v.line} ({v.how}) {where}")
        if report.error:
            first = report.first_failure
            tb = f"\n{first.traceback}" if first is not None and first.traceback else ""
            self.error("own check", f"the reference fails its own check {where}: {report.error}{tb}")
            return
        else:
            self._failed_cases([(c.name, c.message + (f"\n{c.traceback}" if c.traceback else ""))
                                for c in report.cases if not c.passed], where)
        limits = Limits.from_config(p.limits)
        for c in report.cases:
            if c.passed and c.elapsed > 0.5 * limits.wall_seconds:
                self.warn("own check", f"case {c.name!r} took {c.elapsed:.1f} s of the {limits.wall_seconds:g} s "
                          f"wall-clock limit {where}: a slower correct solution may time out; raise [limits] "
                          "wall_seconds or shrink the case")
        probe, entry = load_probe(p), getattr(self.reference, p.entry)
        for seed, cases in self.cases_by_seed.items():
            if seed == self.seeds[0] or seed not in self.seeds:
                continue
            failed = []
            for case in cases:
                try:
                    value = run_in_process(p, probe, entry, case)
                except Exception as exc:
                    failed.append((case.name, f"raised {_exc(exc)}"))
                    continue
                result = judge(p, case, Outcome("ok", value=value))
                if not result.passed:
                    failed.append((case.name, result.message))
            self._failed_cases(failed, f"(seed {seed}, in-process through the probe and judge)")

    def check_evidence(self) -> None:
        """The reference, run as a learner's file, breaks none of the problem's properties and
        ablation stages (grader/verdict/explain.py): a right solution must never be given a diagnosis."""
        p, seed = self.problem, self.seeds[0]
        stages, props = ablation_stages(p, seed), problem_properties(p, seed)
        if not stages and not props:
            return
        with tempfile.TemporaryDirectory(prefix="grader-validate-") as tmp:
            file = self._workspace(Path(tmp), p.reference_path, with_siblings=True)
            job = Job(entry=p.entry, module_name=p.module_name, cases=[], learner_file=str(file),
                      workspace=str(file.parent), probe_path=str(p.probe_path) if p.probe_path else None,
                      blocked_dirs=[str(d) for d in self.course.reference_dirs])
            finding = run_evidence(p, stages, props, job=job, sandbox=self.sandbox)
        if finding is not None:
            self.error("evidence", f"the reference itself is diagnosed by the evidence layer (seed {seed}): "
                       f"{finding.name}. {finding.seen}. Fix problems/{p.slug}/properties.py or the reference's "
                       "`ablations`: a right solution must break none of them")

    def _failed_cases(self, failed: list[tuple[str, str]], where: str) -> None:
        for name, message in failed[:3]:
            self.error("own check", f"the reference fails its own case {name!r} {where}: {message}")
        if len(failed) > 3:
            self.error("own check", f"... and {len(failed) - 3} more failing cases {where}")

    # -- the stub fails --------------------------------------------------------------------
    def check_stub_fails(self) -> None:
        p = self.problem
        if not p.stub_path.exists():
            return
        with tempfile.TemporaryDirectory(prefix="grader-validate-") as tmp:
            file = self._workspace(Path(tmp), p.stub_path, with_siblings=False)
            report = check_problem(self.course, p, file=file, workspace=file.parent, seed=self.seeds[0],
                                   sandbox=self.sandbox, diagnose=False, localise=False,
                                   cases=self.untouched_cases.get(self.seeds[0]))
        stub = self.rel(p.stub_path)
        if report.passed:
            self.error("stub fails", f"{stub} passes the checks as shipped: it must raise "
                       f"NotImplementedError(\"{p.slug}: ...\") until the learner writes it")
        elif report.error_kind != "not-implemented":
            first = report.first_failure
            what = report.error or (f"case {first.name!r}: {first.message}" if first else "no case ran")
            self.error("stub fails", f"{stub} should fail by raising NotImplementedError(\"{p.slug}: ...\"); "
                       f"instead: {what}")
        elif p.slug not in (report.error or ""):
            self.warn("stub fails", f"{stub}: start the NotImplementedError message with the slug "
                      f"(\"{p.slug}: implement ...\") so learners know which problem it is")

    # -- every known mistake is rejected -----------------------------------------------------
    def check_mistakes(self) -> None:
        ref = self.reference
        mistakes = list(getattr(ref, "MISTAKES", []) or [])
        if not mistakes:
            return
        probe = load_probe(self.problem)
        custom = getattr(ref, "judge", None)
        outputs: list[dict] = [{} for _ in mistakes]  # by mistake, then case name (first seed)
        first_seed = next(iter(self.cases_by_seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mistakes are wrong on purpose; torch may say so
            self._reject_mistakes(mistakes, probe, custom, outputs, first_seed)
        self._indistinguishable(mistakes, outputs, self.cases_by_seed[first_seed])

    def _reject_mistakes(self, mistakes, probe, custom, outputs: list[dict], first_seed: int) -> None:
        p = self.problem
        for seed, cases in self.cases_by_seed.items():
            if custom is None:
                cases = [Case(c.name, c.inputs, c.about, c.tolerance, c.options, expected_output(p, c)) for c in cases]
            for mistake, seen in zip(mistakes, outputs):
                rejected = False
                for case in cases:
                    if rejected and seed != first_seed:
                        break  # rejected; only the first seed's outputs are kept (to compare mistakes)
                    try:
                        value = run_in_process(p, probe, mistake.fn, case)
                    except Exception:
                        rejected = True  # the learner's code would raise here: the case fails
                        continue
                    if seed == first_seed and isinstance(value, dict):
                        seen[case.name] = value.get("output")
                    if not rejected and not judge(p, case, Outcome("ok", value=value)).passed:
                        rejected = True
                if not rejected:
                    self.error("mistakes", f"known mistake {mistake.name!r} passes every case at seed {seed}: add a "
                               "case where its output differs from the reference's beyond the tolerance (or drop it)")

    def _indistinguishable(self, mistakes: list[Mistake], outputs: list[dict], cases: list[Case]) -> None:
        from ..evidence.compare import close
        from ..verdict.judge import case_tolerance

        tol = {c.name: case_tolerance(self.problem, c) for c in cases}
        for i, a in enumerate(mistakes):
            for j in range(i + 1, len(mistakes)):
                b, out_a, out_b = mistakes[j], outputs[i], outputs[j]
                if a.name == b.name:
                    continue  # variants of one mistake
                common = [n for n in out_a if n in out_b and isinstance(out_a[n], torch.Tensor)]
                if common and all(close(out_a[n], out_b[n], *tol[n]) for n in common):
                    self.warn("mistakes", f"known mistakes {a.name!r} and {b.name!r} give the same output on every "
                              "case: a learner making either is told only that several mistakes fit; add a case "
                              "that tells them apart")

    # -- the statement's worked examples hold --------------------------------------------------
    def check_examples(self) -> None:
        from .examples import docstring_blocks, example_blocks, run_examples

        p = self.problem
        entry = getattr(self.reference, p.entry, None)
        if entry is None:
            return
        for path, blocks in ((p.statement_path, example_blocks), (p.stub_path, docstring_blocks)):
            _, failed = run_examples(path, p.entry, entry, blocks)
            for f in failed:
                self.error("examples", f"{self.rel(path)}:{f.line}: the worked example `{f.source}` shows "
                           f"{f.expected!r} but the reference gives {f.got!r}: fix the statement (or the reference)")

    # -- the statement's prose examples and formulas agree with the reference ---------------------
    def check_prose_examples(self) -> None:
        from .statement_checks import prose_findings

        self.v.findings.extend(prose_findings(self.problem, self.rel))

    def check_formulas(self) -> None:
        from .statement_checks import formula_findings

        self.v.findings.extend(formula_findings(self.problem, self.cases_by_seed[next(iter(self.cases_by_seed))],
                                                self.rel))

    def check_relations(self) -> None:
        from .statement_checks import relation_findings

        self.v.findings.extend(relation_findings(self.problem, self.rel))

    def check_claims(self) -> None:
        from .text_claims import claim_findings

        self.v.findings.extend(claim_findings(self.problem, self.cases_by_seed[next(iter(self.cases_by_seed))],
                                              self.rel))

    # -- the cases reject the reference's automatic variants ---------------------------------
    def _start_variants(self) -> None:
        """The variants are the longest check: their workers start as soon as the cases are
        known, and the other checks run meanwhile (check_variants collects them, last)."""
        from ..verdict.variant_cache import start_adequacy

        if self.reference is None or not self.cases_by_seed or not self.problem.spec.variants.enabled:
            return
        seeds = tuple(s for s in self.seeds if s in self.cases_by_seed)
        try:
            self.pending_variants = start_adequacy(self.problem, self.cases_by_seed, seeds, workers=self.workers)
        except Exception:
            self.pending_variants = None  # check_variants runs them itself, and reports what fails

    def check_variants(self) -> None:
        from ..verdict.case_coverage import with_coverage
        from ..verdict.variant_cache import adequacy

        p = self.problem
        seeds = tuple(s for s in self.seeds if s in self.cases_by_seed)
        pending, self.pending_variants = self.pending_variants, None
        result = pending.result() if pending is not None else adequacy(p, self.cases_by_seed, seeds,
                                                                       workers=self.workers)
        result = with_coverage(p, result, self.cases_by_seed)  # sizes, arguments, branches the cases never vary
        accept = p.spec.variants.accept
        survivors = result.survivors
        accepted = [r for r in survivors if r.id in accept]
        unaccepted = [r for r in survivors if r.id not in accept]
        counted = result.non_equivalent - len(accepted)  # accepted survivors are argued out of the score
        score = result.count_rejected / counted if counted else 1.0
        self.v.variants = result.to_dict()
        for entry in self.v.variants["survivors"]:
            entry["accepted"] = accept.get(entry["id"])
        stale = [vid for vid in accept if vid not in {r.id for r in survivors}]
        self.v.variants.update(accepted=len(accepted), score_after_accepted=round(score, 4), stale_accepted=stale)
        toml = self.rel(p.dir / "problem.toml")

        def listed(rows):
            lines = "".join(f"\n  - {r.id}: {r.description} ({r.where})" for r in rows[:MAX_SURVIVORS_SHOWN])
            more = f"\n  ... and {len(rows) - MAX_SURVIVORS_SHOWN} more" if len(rows) > MAX_SURVIVORS_SHOWN else ""
            return lines + more

        minimum = p.spec.variants.min_score
        summary = (f"the cases reject {result.count_rejected} of {result.non_equivalent} non-equivalent single-edit "
                   f"variants of the reference ({len(accepted)} more survive, accepted in {toml}; score "
                   f"{score:.3f}; {result.count_equivalent} more compute the same thing)")
        if unaccepted and score < minimum:
            self.error("variants", f"{summary}; these survivors are not accepted: add cases that tell them from the "
                       f"reference, or, when one is right under the contract, accept it by its id in {toml}: "
                       f"[variants.accept] \"<id>\" = \"legitimate: why\" (or \"equivalent: why\"):"
                       f"{listed(unaccepted)}")
        elif unaccepted:
            self.warn("variants", f"{summary}, at or above [variants] min_score = {minimum:g}; survivors not "
                      f"accepted:{listed(unaccepted)}")
        for vid in stale:
            self.warn("variants", f"{toml}: [variants.accept] `{vid}` names no surviving variant (the cases reject "
                      "it now, or the reference changed where it was): remove the entry")
        if result.too_tight:
            names = listed(result.too_tight)
            self.error("tolerance", f"{len(result.too_tight)} variant(s) compute what the reference computes "
                       f"(they agree with it in float64) yet the judge rejects them in float32: the tolerance is "
                       f"too tight for another association order:{names}")

    # -- correct formulations pass, and the tolerance is not loose ------------------------------
    def check_tolerance(self) -> None:
        from .calibration import failures, formulations

        for form in formulations(self.problem):
            for seed, cases in self.cases_by_seed.items():
                failed = failures(self.problem, form.fn, cases)
                for f in failed[:3]:
                    self.error("tolerance", f"{form.name} is correct but fails case {f.case!r} at seed {seed}: "
                               f"{f.message}; widen that case's tolerance (Case(..., tolerance=(atol, rtol))) or "
                               "[tolerance] in problem.toml")
                if failed:
                    break

    # -- trivial answers score 0 -----------------------------------------------------------------
    def check_trivial(self) -> None:
        from .calibration import trivial_scores

        seed = next(iter(self.cases_by_seed))
        scores = trivial_scores(self.problem, self.cases_by_seed[seed])
        self.v.trivial = {name: score for name, (score, _) in scores.items()}
        for name, (score, passed) in scores.items():
            if score > 0:
                self.error("trivial answers", f"returning {name} scores {score:.2f} (seed {seed}): it passes "
                           f"{', '.join(repr(c) for c in passed[:4])}{' ...' if len(passed) > 4 else ''}; make "
                           "every such case non-trivial (e.g. a row whose answer is not 0) or bundle it with one "
                           "that is")

    # -- nothing in the reference uses a banned API ------------------------------------------
    def check_reference_bans(self) -> None:
        p = self.problem
        violations, _ = scan_file(p.reference_path, self.spec, p.reference_path.parent, policy=p.policy)
        for v in violations:
            if v.kind == "banned":
                self.error("reference bans", f"{self.rel(p.reference_path)}:{v.line}: the reference uses banned "
                           f"`{v.api}` ({v.how}); learners may not, so neither may the reference")


def validate_problem(course: Course, problem: Problem, sandbox: Sandbox | Callable[[], Sandbox],
                     seeds: tuple[int, ...] = DEFAULT_SEEDS, workers: int | None = None,
                     use_cache: bool = False) -> Validation:
    """`sandbox`: started, or a function that starts one (called only when the problem is not
    in the validation cache, grader/instructor/validate_cache.py, and before its reference loads)."""
    from . import validate_cache

    seeds = tuple(dict.fromkeys(seeds)) or DEFAULT_SEEDS
    key = validate_cache.validation_key(course, problem, seeds) if use_cache else None
    if key is not None:
        kept = validate_cache.cached_validation(course, problem, seeds, key)
        if kept is not None:
            return kept
    if not isinstance(sandbox, Sandbox):
        sandbox = sandbox()
    with one_torch_thread():
        validator = _Validator(course, problem, sandbox, seeds, workers)
        v = validator.run()
    if key is not None and not validator.crashed and validate_cache.validation_key(course, problem, seeds) == key:
        validate_cache.store(key, problem, v.to_dict())  # not when a file changed during the run
    return v


def validate_course(course: Course, slugs: list[str] | None, sandbox: Sandbox | Callable[[], Sandbox],
                    seeds: tuple[int, ...] = DEFAULT_SEEDS, on_start=None, use_cache: bool = False) -> list[Validation]:
    """Validate the named problems (default: all), in learning order."""
    problems = [course.get(s) for s in slugs] if slugs else list(course)
    results = []
    for problem in problems:
        if on_start is not None:
            on_start(problem)
        results.append(validate_problem(course, problem, sandbox, seeds, use_cache=use_cache))
    order_warnings(course, results)
    return results
