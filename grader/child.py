"""What runs inside the sandboxed child: limits, isolation, the guard, the probe.

Everything here runs after fork, in the process that will execute learner code; it
returns plain data only (a JSON header and `torch.save` bytes).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import inspect
import io
import json
import os
import resource
import struct
import sys
import traceback
import types
from pathlib import Path

import torch

from .banned import build_spec
from .guard import BannedAPIError, Guard, LearnerFrames

MiB = 1024 * 1024
_MEMORY_MARKERS = ("can't allocate memory", "cannot allocate memory", "out of memory", "not enough memory")


class ChildFailure(Exception):
    def __init__(self, status: str, message: str, tb: str = ""):
        super().__init__(message)
        self.status, self.message, self.tb = status, message, tb


# --------------------------------------------------------------------------- isolation
def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def set_limits(limits) -> None:
    cpu = max(1, int(limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    budget = _address_space() + limits.memory_mb * MiB
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MiB, MiB))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class _BlockReferences(importlib.abc.MetaPathFinder):
    """Refuses any import whose source lies in a reference directory, and the grader itself."""

    def __init__(self, blocked: list[str]):
        self.blocked = [str(Path(b).resolve()) for b in blocked]

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.split(".")[0]
        if top in ("grader", "reference") and fullname not in sys.modules:
            raise ImportError(f"{fullname} cannot be imported from a solution")
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None:
            return None
        places = [spec.origin or ""] + list(spec.submodule_search_locations or [])
        for place in places:
            place = str(Path(place).resolve()) if place else ""
            if any(place == b or place.startswith(b + os.sep) for b in self.blocked):
                raise ImportError(f"{fullname} is hidden from solutions")
        return None


def _install_audit_hook(blocked: list[str]) -> None:
    blocked = [str(Path(b).resolve()) for b in blocked]
    refused = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
               "subprocess.Popen", "socket.connect", "socket.bind", "pty.spawn", "os.kill", "os.killpg")

    def hook(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            try:
                target = os.path.realpath(os.fsdecode(args[0]))
            except Exception:
                return
            if any(target == b or target.startswith(b + os.sep) for b in blocked):
                raise PermissionError("the references are hidden from solutions")
        elif event.startswith(refused):
            raise PermissionError(f"{event} is not allowed in the sandbox")

    sys.addaudithook(hook)


def _redirect_output(out_w: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    os.close(out_w)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), write_through=True, errors="replace")
    sys.stderr = sys.stdout
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)


# --------------------------------------------------------------------------- learner code
def _learner_traceback(exc: BaseException, frames: LearnerFrames, display) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in tb if frames.is_learner(f.filename)]
    lines = []
    for f in mine or tb[-1:]:
        lines.append(f'  File "{display(f.filename)}", line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line}")
    lines.append(f"{type(exc).__name__}: {exc}"[:2000])
    return "\n".join(lines)


def _is_memory_error(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(m in text for m in _MEMORY_MARKERS)


def _load_learner(job, frames: LearnerFrames, display):
    name = job.module_name
    if job.learner_source is not None:
        filename = job.options.get("source_name", f"<{name}>")
        try:
            code = compile(job.learner_source, filename, "exec")
        except SyntaxError as exc:
            raise ChildFailure("syntax-error", f"line {exc.lineno}: {exc.msg}")
        module = types.ModuleType(name)
        module.__file__ = filename
        sys.modules[name] = module
        exec(code, module.__dict__)
        return module
    path = Path(job.learner_file)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _default_probe(entry, inputs: dict, ctx) -> dict:
    """Call the entry point once; send back its output and the inputs as they are after
    the call, so the parent can tell whether the learner changed them in place."""
    output = ctx.call(entry, **inputs)
    after = {k: v for k, v in inputs.items() if type(v) is torch.Tensor}
    return {"output": output, "inputs_after": after}


class ProbeContext:
    """Handed to a problem's probe: calls learner code and records what it did."""

    def __init__(self, job, guard: Guard):
        self.job = job
        self.guard = guard
        self.options = job.options

    def call(self, fn, *args, **kwargs):
        """Call learner code under the guard, checking the signature first."""
        try:
            inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            raise ChildFailure("wrong-signature", f"{getattr(fn, '__name__', fn)}: {exc}")
        except ValueError:
            pass
        with self.guard:
            return fn(*args, **kwargs)


def _load_probe(path: str | None):
    if not path:
        return _default_probe
    spec = importlib.util.spec_from_file_location("_grader_probe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.probe


def sanitize(value, depth: int = 0):
    """Plain data only: exact torch.Tensor (detached, contiguous copy), numbers, strings,
    lists and dicts. Anything else, a tensor subclass included, becomes a marker."""
    if depth > 6:
        return {"__bad_type__": "nesting too deep"}
    if type(value) is torch.Tensor:
        with torch._C.DisableTorchFunction():
            return value.detach().clone().contiguous()
    if isinstance(value, torch.Tensor):
        return {"__bad_type__": f"a tensor subclass ({type(value).__name__}), not a plain torch.Tensor"}
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in (list, tuple):
        return [sanitize(v, depth + 1) for v in value][:10000]
    if type(value) is dict:
        return {str(k): sanitize(v, depth + 1) for k, v in list(value.items())[:1000]}
    if isinstance(value, torch.dtype):
        return str(value)
    return {"__bad_type__": type(value).__name__}


def _show_warnings_at_learner_lines(frames: LearnerFrames, display) -> None:
    """A warning raised inside torch is filed under the grader's frame that called it
    (the guard); show it at the learner's line instead, or with no location."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        where = frames.innermost()
        place = f"{display(where[0])}:{where[1]}: " if where else ""
        sys.stderr.write(f"{place}{category.__name__}: {message}\n")

    warnings.showwarning = show


def child_main(job, out_w: int, res_w: int) -> None:
    header: dict = {"status": "ok"}
    payload = b""
    frames = LearnerFrames([job.workspace] if job.workspace else [],
                           [job.options.get("source_name", f"<{job.module_name}>")] if job.learner_source else
                           [str(Path(job.learner_file).resolve())])
    workspace = Path(job.workspace).resolve() if job.workspace else None

    def display(filename: str) -> str:
        if workspace is not None and filename.startswith(str(workspace) + os.sep):
            return os.path.relpath(filename, workspace)
        return filename

    guard = None
    try:
        torch.set_num_threads(1)
        torch.default_generator.manual_seed(0)  # cheaper than torch.manual_seed (no lazy CUDA hooks)
        _redirect_output(out_w)
        set_limits(job.limits)
        _show_warnings_at_learner_lines(frames, display)
        spec = build_spec(job.banned, job.banned_aten)
        guard = Guard(spec, frames, display)
        probe = _load_probe(job.probe_path)
        sys.meta_path.insert(0, _BlockReferences(job.blocked_dirs))
        _install_audit_hook(job.blocked_dirs)
        if workspace is not None:
            sys.path.insert(0, str(workspace))
        try:
            with guard:
                module = _load_learner(job, frames, display)
        except ChildFailure:
            raise
        except SyntaxError as exc:
            raise ChildFailure("syntax-error", f"{display(exc.filename or '')}:{exc.lineno}: {exc.msg}")
        except BaseException as exc:
            if _is_memory_error(exc):
                raise ChildFailure("memory-limit", "ran out of the memory limit while importing the file")
            raise ChildFailure("import-error", f"importing your file raised {type(exc).__name__}: {exc}"[:2000],
                               _learner_traceback(exc, frames, display))
        entry = module.__dict__.get(job.entry)
        if entry is None or not callable(entry):
            raise ChildFailure("missing-entry", f"no `{job.entry}` defined in your file")
        ctx = ProbeContext(job, guard)
        try:
            result = probe(entry, job.inputs, ctx)
        except ChildFailure:
            raise
        except BaseException as exc:
            if _is_memory_error(exc):
                raise ChildFailure("memory-limit", "ran out of the memory limit")
            if isinstance(exc, BannedAPIError):
                raise ChildFailure("banned", str(exc), _learner_traceback(exc, frames, display))
            if isinstance(exc, SystemExit):
                raise ChildFailure("exited", f"your code raised SystemExit({exc.code!r}) (sys.exit) instead of returning")
            raise ChildFailure("exception", f"{type(exc).__name__}: {exc}"[:2000],
                               _learner_traceback(exc, frames, display))
        buf = io.BytesIO()
        torch.save(sanitize(result), buf)
        payload = buf.getvalue()
    except ChildFailure as failure:
        header = {"status": failure.status, "message": failure.message, "traceback": failure.tb}
    except BaseException as exc:  # the sandbox's own failure, or learner code escaping into it
        header = {"status": "exception", "message": f"{type(exc).__name__}: {exc}"[:2000]}
    if guard is not None:
        header["violations"] = [v.to_dict() for v in guard.violations]
    head = json.dumps(header).encode()
    data = struct.pack("!Q", len(head)) + head + payload
    view = memoryview(data)
    while view:
        view = view[os.write(res_w, view):]
    os.close(res_w)
    os._exit(0)
