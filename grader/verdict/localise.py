"""Where a wrong output goes wrong.

After a failed check, three things can help the learner more than a max error:

1. **The first wrong building block.** A model-level solution usually defines its
   building blocks under their contract names (`layer_norm`, `gelu`,
   `multi_head_attention`, `pre_ln_block`). Each one the file binds at top level is
   checked against its own problem's cases (same file, entry = that name), in course
   order, and the first that fails is reported with its own diagnosis.
2. **Where in the output.** Otherwise, which positions (rows, sequences) of the first
   failing case are wrong, as a small grid.
3. **What depends on what.** For problems that declare it, an influence grid: the
   input is perturbed one position at a time and the grid records which output
   positions move, next to the reference's grid. A leaking causal mask is visible at
   a glance.

All of it is declared per problem in problem.toml; the grader knows no problem by name:

    [localise]
    stages = ["layer-norm", "gelu", "attention"]  # default: every earlier problem
    axes = ["sequence", "position"]  # names of the output's leading axes (the rest are features);
                                     # declaring axes (or rows_of) switches the position grid on
    rows_of = "mask_indicator"       # output row r is the r-th set position of this (N, T) input

    [localise.influence]
    input = "x"                 # perturbed one position at a time
    axis = 1                    # its position axis
    output_axis = 1             # the output's position axis (default: axis)
    labels = ["query", "key"]   # what output and input positions are called
    max_positions = 12          # longer inputs are cut to their first positions

Set `localise = false` to switch it off for a problem. Nothing here decides a verdict
or names a mistake: it only says where to look.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import torch

from ..course.loader import Course, CourseError, Problem
from ..evidence.finding import hint_to_show
from .judge import case_tolerance, expected_output
from .probes import influence as influence_probe
from .execute import Submission, check_building_block, load_cases
from ..sandbox.parent import JobCase, Limits
from .sources import source_for
from ..course.spec import Localisation
from ..sandbox.status import Status
from ..course.workspace import STATE_DIR, STATE_FILE

PROBE_PATH = Path(influence_probe.__file__).resolve()
YES, NO, OFF = "●", "·", " "
RIGHT, WRONG, ABSENT = "✓", "✗", "·"
MAX_GRID_COLUMNS = 48
SKIPPED_STATUSES = (Status.WRONG_SIGNATURE, Status.SKIPPED)
# A stage that could not run says nothing about whether it is right.
NOT_COMPARABLE = (Status.TIMEOUT, Status.CPU_LIMIT, Status.MEMORY_LIMIT, Status.SANDBOX_ERROR, Status.CRASHED,
                  Status.EXITED, Status.BAD_OUTPUT)


def settings(problem: Problem) -> Localisation:
    return problem.spec.localisation


# --------------------------------------------------------------------------- entry
def localise_report(course: Course, problem: Problem, report, cases, values: dict, submission: Submission, *,
                    seed: int = 0, sandbox=None) -> None:
    """Fill report.localisation for a failed check (learner code runs in `sandbox`)."""
    cfg = settings(problem)
    if not cfg.enabled:
        return
    if any(c.status in (Status.TIMEOUT, Status.CPU_LIMIT, Status.MEMORY_LIMIT) for c in report.cases):
        return  # running the code again (stages, probes) would only make the learner wait longer
    file, source = submission.file, submission.source
    try:
        stage, sub, fine, skipped = first_wrong_stage(course, problem, submission, seed=seed, sandbox=sandbox)
        entries: list[dict] = []
        if stage is not None:
            how = defined_names(file, source).get(stage.entry, "")
            entries.append(stage_entry(stage, sub, fine, skipped, file=file,
                                       origin=how if how.startswith("imported") else ""))
            stage_cases = [c for c in load_cases_quietly(stage, seed)]
            entries += influence_entries(course, stage, sub, stage_cases, submission.named(module_name_for(file, stage)),
                                         sandbox=sandbox)
        else:
            if fine:
                entries.append(fine_stages_entry(fine, skipped))
            entries += output_entries(problem, report, cases, values, cfg)
            entries += influence_entries(course, problem, report, cases,
                                         submission.named(module_name_for(file, problem)), sandbox=sandbox)
        report.localisation.extend(entries)
    except Exception as exc:  # help, never a reason for a check to break
        report.localisation.append({"title": "localisation unavailable", "kind": "error",
                                    "text": f"The grader could not localise this failure ({type(exc).__name__}: {exc})."})


def load_cases_quietly(problem: Problem, seed: int) -> list:
    try:
        return load_cases(problem, seed)
    except Exception:
        return []


def module_name_for(file, problem: Problem) -> str:
    return Path(file).stem if file is not None else problem.module_name


# --------------------------------------------------------------------------- stages
def defined_names(file=None, source=None) -> dict[str, str]:
    """Names bound at the top level of the learner's file, and how: {name: how}."""
    text = Path(file).read_text(encoding="utf-8", errors="replace") if file is not None else (source or "")
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    found: dict[str, str] = {}

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[node.name] = "defined in your file"
            elif isinstance(node, ast.ImportFrom) and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = f"imported from {node.module}"
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = "assigned in your file"
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return found


def stage_problems(course: Course, problem: Problem, names: dict[str, str]) -> list[Problem]:
    """The building blocks to check first: declared `stages`, else every earlier problem,
    kept when the learner's file binds the stage's entry name."""
    declared = settings(problem).stages
    if declared is None:
        candidates = [p for p in course if p.order < problem.order]
    else:
        candidates = []
        for slug in declared:
            try:
                candidates.append(course.get(slug))
            except CourseError:
                continue  # a stage this course does not ship
    return [p for p in candidates
            if p.slug != problem.slug and p.entry != problem.entry and p.entry in names
            and source_for(p).available]


def first_wrong_stage(course: Course, problem: Problem, submission: Submission, *, seed=0, sandbox=None):
    """(stage, its report, [(stage, report) that passed], [(stage, report, why) not comparable])."""
    names = defined_names(submission.file, submission.source)
    fine, skipped = [], []
    as_checked = submission.named(module_name_for(submission.file, problem))
    for stage in stage_problems(course, problem, names):
        cases = load_cases_quietly(stage, seed)
        if not cases or sandbox is None:
            continue
        sub = check_building_block(course, stage, as_checked, cases, sandbox, seed)
        if sub.error_kind == "missing-entry":
            continue
        if sub.error_kind in NOT_COMPARABLE:
            skipped.append((stage, sub, f"could not be checked ({sub.error_kind})"))
            continue
        wrong = [c for c in sub.cases if not c.passed and c.status not in SKIPPED_STATUSES]
        if sub.error is None and not wrong:
            if any(c.status not in SKIPPED_STATUSES for c in sub.cases):
                fine.append((stage, sub))
            else:
                skipped.append((stage, sub, "its signature differs from the contract's, not checked"))
            continue
        return stage, sub, fine, skipped
    return None, None, fine, skipped


def _case_count(sub) -> str:
    checked = [c for c in sub.cases if c.status not in SKIPPED_STATUSES]
    note = "" if len(checked) == len(sub.cases) else f" ({len(sub.cases) - len(checked)} not comparable: different signature)"
    return f"{sum(c.passed for c in checked)}/{len(checked)} cases{note}"


def stage_entry(stage: Problem, sub, fine, skipped, file=None, origin: str = "") -> dict:
    lines = ["Your file also defines the building blocks under their contract names; each was checked "
             "against its own problem's cases, in course order."]
    for p, r in fine:
        lines.append(f"  {RIGHT} {p.entry} ({p.slug}): {_case_count(r)}")
    for p, _, why in skipped:
        lines.append(f"  ? {p.entry} ({p.slug}): {why}")
    lines.append(f"  {WRONG} {stage.entry} ({stage.slug}{', ' + origin if origin else ''}): "
                 + (sub.error if sub.error else f"{sum(not c.passed for c in sub.cases)} of {len(sub.cases)} cases fail"))
    first = next((c for c in sub.cases if not c.passed and c.status not in SKIPPED_STATUSES), None)
    if first is not None and not sub.error:
        lines.append(f"      first failing case \"{first.name}\": {first.message.splitlines()[0][:200]}")
    if sub.diagnosis:
        lines.append(f"      likely mistake: {sub.diagnosis['name']}. {sub.diagnosis['explanation']}")
        if hint_to_show(sub.diagnosis):
            lines.append(f"      hint: {hint_to_show(sub.diagnosis)}")
    how = f"`{stage_check_command(stage, file, origin)}`"
    # Measured on the helper alone: whether the helper's failure is why THIS check fails was not tested (a
    # helper whose default eps differs fails its own cases, while the block always passes eps=1e-5).
    lines.append(f"Measured on `{stage.entry}` alone, with its own problem's cases: whether this is why this check "
                 f"fails was not tested (its cases may use what your code never does, such as a default argument). "
                 f"{how} shows its full report.")
    return {"title": f"first wrong building block: {stage.entry}", "kind": "stage", "stage": stage.slug,
            "entry": stage.entry, "passed_stages": [p.slug for p, _ in fine],
            "diagnosis": sub.diagnosis, "text": "\n".join(lines)}


IMPORTED_FROM = "imported from "


def stage_check_command(stage: Problem, file=None, origin: str = "") -> str:
    """A command that shows a building block's full report, run from the learner's folder.

    A block imported from another file is checked in that file: checking the importing
    file under the block's module name would make `from gelu import gelu` import itself."""
    if file is None:
        return f"check(\"{stage.slug}\", {stage.entry})"
    folder = Path(file).resolve().parent
    module = origin[len(IMPORTED_FROM):] if origin.startswith(IMPORTED_FROM) else None
    if module is None:
        return f"grader check {stage.slug} --file {Path(file).name}"
    defining_file = module.replace(".", "/") + ".py"
    if module == stage.module_name and (folder / STATE_DIR / STATE_FILE).exists():
        return f"grader check {stage.slug}"  # the workspace's own file for that problem
    if (folder / defining_file).exists():
        return f"grader check {stage.slug} --file {defining_file}"
    return f"grader check {stage.slug}"


def fine_stages_entry(fine, skipped) -> dict:
    listed = [f"`{p.entry}`" for p, _ in fine]
    names = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
    lines = [f"Your {names} passes its own problem's cases:" if len(listed) == 1
             else f"Your {names} pass their own problems' cases:"]
    lines += [f"  {RIGHT} {p.entry} ({p.slug}): {_case_count(r)}" for p, r in fine]
    lines += [f"  ? {p.entry} ({p.slug}): {why}" for p, _, why in skipped]
    lines.append("So the error is in how it is used, or in code that is not part of it." if len(listed) == 1
                 else "So the error is in how they are put together, or in code that is not one of them.")
    return {"title": "building blocks checked", "kind": "stages-pass", "passed_stages": [p.slug for p, _ in fine],
            "text": "\n".join(lines)}


# --------------------------------------------------------------------------- positions
def ranges(indices) -> str:
    """[0, 1, 2, 5] -> '0-2, 5'."""
    indices = sorted(indices)
    if not indices:
        return "none"
    out, start, prev = [], indices[0], indices[0]
    for i in indices[1:] + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    return ", ".join(out)


def wrong_positions(expected: torch.Tensor, actual: torch.Tensor, n_axes: int, atol: float, rtol: float) -> torch.Tensor:
    """Bool tensor over the leading `n_axes` axes: True where any value there is out of tolerance."""
    if expected.is_floating_point():
        e, a = expected.double(), actual.double()
        same_nonfinite = ~torch.isfinite(e) & ((a == e) | (torch.isnan(a) & torch.isnan(e)))
        diff = (a - e).abs().masked_fill(same_nonfinite, 0.0).nan_to_num(nan=float("inf"))
        bad = diff > atol + rtol * e.abs().masked_fill(~torch.isfinite(e), 0.0)
    else:
        bad = actual != expected
    if bad.ndim > n_axes:
        bad = bad.flatten(n_axes).any(dim=-1)
    return bad


def _grid(rows: list[list[str]], row_label: str, col_label: str, n_cols: int) -> list[str]:
    w = len(str(n_cols - 1))
    lw = max(len(f"{row_label} {len(rows) - 1}"), len(col_label))
    lines = [f"{col_label:>{lw}}  " + " ".join(f"{j:>{w}}" for j in range(n_cols))]
    for i, row in enumerate(rows):
        lines.append(f"{row_label + ' ' + str(i):>{lw}}  " + " ".join(f"{m:>{w}}" for m in row))
    return lines


def describe_2d(bad: torch.Tensor, present: torch.Tensor | None, row_name: str, col_name: str) -> str:
    present = present if present is not None else torch.ones_like(bad)
    total, n_bad = int(present.sum()), int((bad & present).sum())
    if n_bad == total:
        where = f"every {col_name} of every {row_name}" if bool(present.all()) else f"every {col_name} in the output"
        return f"Wrong at {where}: the error is not confined to some positions."
    per_row = [[j for j in range(bad.shape[1]) if bad[i, j] and present[i, j]] for i in range(bad.shape[0])]
    if present.all() and all(r == per_row[0] for r in per_row):
        right = [j for j in range(bad.shape[1]) if j not in per_row[0]]
        return (f"In every {row_name}: wrong at {col_name} {ranges(per_row[0])}, "
                f"right at {col_name} {ranges(right)}.")
    parts = []
    for i, r in enumerate(per_row):
        n_here = int(present[i].sum())
        if not r:
            parts.append(f"{row_name} {i}: right")
        elif len(r) == n_here:
            parts.append(f"{row_name} {i}: all wrong")
        else:
            parts.append(f"{row_name} {i}: wrong at {col_name} {ranges(r)}")
    return f"{n_bad} of {total} wrong. " + "; ".join(parts) + "."


def output_entries(problem: Problem, report, cases, values: dict, cfg: Localisation) -> list[dict]:
    if not cfg.axes and not cfg.rows_of:
        return []  # opt-in: for an elementwise function "which rows" says nothing
    by_name = {c.name: c for c in cases}
    for result in report.cases:
        if result.passed or result.name not in values or result.name not in by_name:
            continue
        case = by_name[result.name]
        actual = values[result.name].get("output")
        try:
            expected = expected_output(problem, case)
        except Exception:
            return []
        if type(actual) is not torch.Tensor or not isinstance(expected, torch.Tensor) \
                or actual.shape != expected.shape or actual.dtype != expected.dtype or expected.ndim == 0 \
                or expected.numel() == 0:
            continue
        return [position_entry(case, expected, actual, cfg, case_tolerance(problem, case))]
    return []


def position_entry(case, expected, actual, cfg: Localisation, tol) -> dict:
    axes = list(cfg.axes)
    rows_of = cfg.rows_of
    if rows_of is not None:
        n_axes = 1
    elif axes:
        n_axes = min(len(axes), expected.ndim)
    else:
        n_axes = expected.ndim - 1 if expected.ndim >= 2 else 1
    names = (axes + [f"dim {k}" for k in range(len(axes), n_axes)])[:n_axes] if not rows_of else axes
    bad = wrong_positions(expected, actual, n_axes, *tol)
    title = f"where the output goes wrong (case \"{case.name}\")"
    data = {"kind": "positions", "case": case.name, "wrong": bad.tolist()}
    mask_input = case.inputs.get(rows_of) if rows_of else None
    if rows_of and isinstance(mask_input, torch.Tensor) and mask_input.ndim == 2 \
            and int((mask_input > 0.5).sum()) == bad.shape[0]:
        present = mask_input > 0.5
        grid_bad = torch.zeros(present.shape, dtype=torch.bool)
        grid_bad[present] = bad
        row_name, col_name = (axes + ["sequence", "position"])[:2] if len(axes) != 1 else ("sequence", "position")
        text = [f"Output row r is the r-th position where `{rows_of}` is set (batch, then time order); "
                f"{RIGHT} right, {WRONG} wrong, {ABSENT} not in the output."]
        if present.shape[1] <= MAX_GRID_COLUMNS:
            rows = [[(WRONG if grid_bad[i, j] else RIGHT) if present[i, j] else ABSENT
                     for j in range(present.shape[1])] for i in range(present.shape[0])]
            text += _grid(rows, row_name, col_name, present.shape[1])
        text.append(describe_2d(grid_bad, present, row_name, col_name))
        data["grid"] = grid_bad.tolist()
        return {"title": title, "text": "\n".join(text), **data}
    if n_axes == 2:
        row_name, col_name = names
        text = [f"{RIGHT} right, {WRONG} wrong, per ({row_name}, {col_name}) over the remaining axes."]
        if bad.shape[1] <= MAX_GRID_COLUMNS and bad.shape[0] <= 32:
            rows = [[WRONG if bad[i, j] else RIGHT for j in range(bad.shape[1])] for i in range(bad.shape[0])]
            text += _grid(rows, row_name, col_name, bad.shape[1])
        text.append(describe_2d(bad, None, row_name, col_name))
        return {"title": title, "text": "\n".join(text), **data}
    if n_axes == 1:
        name = names[0] if names else "row"
        wrong = [i for i in range(bad.shape[0]) if bad[i]]
        marks = " ".join(WRONG if b else RIGHT for b in bad.tolist()) if bad.shape[0] <= MAX_GRID_COLUMNS else ""
        text = ([f"{name}s 0..{bad.shape[0] - 1}: {marks}"] if marks else []) + \
            [f"Wrong at {len(wrong)} of {bad.shape[0]} {name}s: {ranges(wrong)}."]
        return {"title": title, "text": "\n".join(text), **data}
    flat = bad.flatten()
    wrong = [tuple(int(v) for v in torch.unravel_index(torch.tensor(k), bad.shape)) for k in flat.nonzero().flatten()[:8]]
    text = f"Wrong at {int(flat.sum())} of {flat.numel()} positions over axes {names}; first: " + \
        ", ".join(str(w) for w in wrong)
    return {"title": title, "text": text, **data}


# --------------------------------------------------------------------------- influence
def influence_entries(course: Course, problem: Problem, report, cases, submission: Submission, *,
                      sandbox=None) -> list[dict]:
    spec = settings(problem).influence
    reference = source_for(problem).entry  # the grid runs the right answer: not in a learner's bundle
    if spec is None or sandbox is None or reference is None:
        return []
    name, axis = spec.input, spec.axis
    out_axis = spec.output_axis if spec.output_axis is not None else axis
    labels = list(spec.labels)
    max_positions = spec.max_positions
    failing = {c.name for c in report.cases if not c.passed and c.status not in SKIPPED_STATUSES}
    usable = [c for c in cases if c.name in failing and isinstance(c.inputs.get(name), torch.Tensor)
              and c.inputs[name].ndim > axis and c.inputs[name].shape[axis] >= 2]
    if not usable:
        return []
    case = min(usable, key=lambda c: c.inputs[name].shape[axis])
    inputs = case.pristine_inputs()
    T = inputs[name].shape[axis]
    cut = max_positions and T > max_positions
    if cut:
        inputs[name] = inputs[name].narrow(axis, 0, max_positions).clone()
    options = {"influence": {"input": name, "axis": axis, "output_axis": out_axis}}
    job = dataclasses.replace(submission.job(course, problem, [case], Limits.from_config(problem.limits)),
                              cases=[JobCase(inputs, {**case.options, **options})], probe_path=str(PROBE_PATH))
    outcome = sandbox.run(job)
    if outcome.status != "ok" or not isinstance(outcome.value, dict):
        return []
    mine = outcome.value.get("influence")
    try:
        base, theirs = influence_probe.influence(lambda **kw: reference(**kw), case.pristine_inputs() if not cut
                                                 else {**case.pristine_inputs(), name: inputs[name].clone()},
                                                 name, axis, out_axis)
    except Exception:
        return []
    if type(mine) is not torch.Tensor or theirs is None or mine.shape != theirs.shape:
        return []
    atol, rtol = case_tolerance(problem, case)
    threshold = atol + rtol * float(base.double().abs().max()) if base.numel() else atol
    return [influence_entry(case, mine > threshold, theirs > threshold, labels, cut and max_positions)]


def influence_entry(case, mine: torch.Tensor, theirs: torch.Tensor, labels: list[str], cut) -> dict:
    out_name, in_name = labels[0], labels[1]
    n_out, n_in = mine.shape
    extra = [(i, j) for i in range(n_out) for j in range(n_in) if mine[i, j] and not theirs[i, j]]
    missing = [(i, j) for i in range(n_out) for j in range(n_in) if theirs[i, j] and not mine[i, j]]
    title = f"which {in_name}s each {out_name} depends on"
    data = {"kind": "influence", "case": case.name, "labels": labels, "yours": mine.tolist(),
            "expected": theirs.tolist()}
    scope = f" (its first {cut} positions)" if cut else ""
    if not extra and not missing:
        # Measured: which inputs move which outputs, not by how much. "Mixed correctly; the error is in the values"
        # once stood here, under a scale that was wrong (the weights, not the values, were off).
        text = (f"Case \"{case.name}\"{scope}: your output at each {out_name} depends on exactly the {in_name}s "
                f"it should (this measures which {in_name}s reach each {out_name}, not how much each one weighs).")
        return {"title": title, "text": text, **data}
    lines = [f"Case \"{case.name}\"{scope}: {in_name} j (columns) changed one at a time; "
             f"{YES} the output at {out_name} i (rows) moved beyond tolerance, {NO} it did not."]
    w = max(len(str(n_in - 1)), 1)
    label_w = len(out_name) + len(str(n_out - 1)) + 2
    block = 2 * n_in - 1 + (w - 1) * n_in
    lines.append(" " * label_w + "  " + "yours".ljust(block) + "    expected")
    cols = " ".join(f"{j:>{w}}" for j in range(n_in))
    lines.append(f"{in_name:>{label_w}}  {cols}    {cols}")
    for i in range(n_out):
        a = " ".join(f"{(YES if mine[i, j] else NO):>{w}}" for j in range(n_in))
        b = " ".join(f"{(YES if theirs[i, j] else NO):>{w}}" for j in range(n_in))
        lines.append(f"{out_name + ' ' + str(i):>{label_w}}  {a}    {b}")
    if extra:
        ex = ", ".join(f"{out_name} {i} on {in_name} {j}" for i, j in extra[:3])
        lines.append(f"At {len(extra)} ({out_name}, {in_name}) pairs your output depends on a {in_name} it should "
                     f"not see, e.g. {ex}.")
    if missing:
        ex = ", ".join(f"{out_name} {i} on {in_name} {j}" for i, j in missing[:3])
        lines.append(f"At {len(missing)} pairs it ignores a {in_name} it should depend on, e.g. {ex}.")
    return {"title": title, "text": "\n".join(lines), **data}
