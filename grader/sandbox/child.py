"""What runs inside the confined child: confinement, the guard, the probe, each case.

Everything here runs after fork, in the process that will execute learner code. In
order: a trusted phase that reads what the child will need while it still can (the
learner's workspace files, the probe), then confinement (grader/sandbox/confine.py), then
learner code, case after case. It sends back plain data only: per case a JSON header
and packed bytes (grader/sandbox/wire.py's dump_plain), framed by grader/sandbox/wire.py.
"""

from __future__ import annotations

import gc
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import io
import os
import signal
import sys
import traceback
from pathlib import Path

import torch

from . import confine, wire
from .case_layout import arranged
from ..policy.banned import build_spec
from .confine import Isolation
from ..policy.guard import BannedAPIError, Guard, LearnerFrames
from ..policy.learner_imports import LibrariesOnly, importing_file
from ..policy.safe_files import UnsafeFile, folder_of, read_learner_text
from ..policy.static import is_real_module  # the scan's rule, so the two never disagree

try:
    import resource
except ImportError:  # Windows: no resource limits (grader/sandbox/start_method.py)
    from . import no_rlimit as resource

MiB = 1024 * 1024
_MEMORY_MARKERS = ("can't allocate memory", "cannot allocate memory", "out of memory", "not enough memory")
CPU_LIMIT_EXIT = 128 + 24  # as if killed by SIGXCPU: the exit status that says "CPU limit"
WORKSPACE_FILES_CAP = 128
WORKSPACE_FILE_BYTES = 1 * MiB


class ChildFailure(Exception):
    def __init__(self, status: str, message: str, tb: str = ""):
        super().__init__(message)
        self.status, self.message, self.tb = status, message, tb


# --------------------------------------------------------------------------- trusted phase
def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def read_workspace(spec: dict) -> dict[str, tuple[str, str]]:
    """module name -> (path, source) of the learner's file and of the workspace's other
    top-level modules, read before confinement: the child never sees the workspace
    itself (another learner's files, `.grader/state.json`), only these texts. Every file
    is read by grader/policy/safe_files.py (a regular file of the learner's own folder, reached
    without a link out of it, readable by its owner, capped); a file named like a real
    module (sys.py, torch.py) is not served."""
    sources: dict[str, tuple[str, str]] = {}
    workspace = Path(spec["workspace"]).resolve() if spec.get("workspace") else None
    if workspace is not None:
        for path in sorted(workspace.glob("*.py"))[:WORKSPACE_FILES_CAP]:
            name = path.stem
            if not name.isidentifier() or is_real_module(name, workspace):
                continue
            try:
                sources[name] = (str(workspace / path.name), read_learner_text(path, workspace, WORKSPACE_FILE_BYTES))
            except UnsafeFile:
                continue
    name = spec["module_name"]
    if spec.get("learner_source") is not None:
        sources[name] = (spec.get("source_name") or f"<{name}>", spec["learner_source"])
    elif spec.get("learner_file"):
        given = Path(spec["learner_file"]).absolute()
        folder = folder_of(given, workspace)
        try:
            text = read_learner_text(given, folder, WORKSPACE_FILE_BYTES)
        except UnsafeFile as exc:
            raise LinkRefused(str(exc)) from None
        sources[name] = (str(Path(os.path.realpath(given.parent)) / given.name), text)
    return sources


class LinkRefused(Exception):
    """The learner's file is not safe to read (a link out of its folder, not a regular file...)."""


def _imports_of(source: str) -> list:
    """(module, names imported from it) for every absolute import in `source`; None when it
    does not parse. One parse serves both the walk of the workspace and the pre-import."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def reachable(sources: dict[str, tuple[str, str]], start: str,
              parsed: dict | None = None) -> dict[str, tuple[str, str]]:
    """The learner's module and the workspace modules it imports, transitively: the only
    files whose imports may be looked at (the scan passed exactly these). `parsed` collects
    each reached file's imports (see _imports_of), so no caller parses a file twice."""
    parsed = {} if parsed is None else parsed
    seen, todo = {}, [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in sources:
            continue
        seen[name] = sources[name]
        parsed[name] = _imports_of(sources[name][1]) or []
        todo += [module.split(".")[0] for module, _ in parsed[name]]
    return seen


def preimport(sources: dict[str, tuple[str, str]], start: str, library_dirs: list[str],
              learner_dirs: list[str] = ()) -> None:
    """For the uid level, where the unprivileged child may be unable to read the Python
    installation (a prefix under /root): import, while still privileged, the library
    modules that the learner's module and the workspace modules it imports name. Only
    after the child's output is redirected and the kernel's walls are up (see
    walls_before_preimport: a module's import runs library code the learner chose, like
    `venv.__main__`, which builds a virtual environment wherever it stands); only modules
    found inside the Python installation (never a workspace file, never the current
    directory); failures are left for the learner's own import to report. A library's own
    optional import of a name the learner's folders hold finds the library's module or
    nothing (LibrariesOnly)."""
    parsed: dict = {}
    reachable(sources, start, parsed)
    names: set[str] = set()
    for imports in parsed.values():
        for module, members in imports:
            names.add(module)
            names.update(f"{module}.{member}" for member in members)
    libraries_only = LibrariesOnly(list(learner_dirs))
    sys.meta_path.insert(0, libraries_only)
    try:
        for name in sorted(names):
            top = name.split(".")[0]
            if top in sources or top in ("grader", "reference"):
                continue
            try:
                if top not in sys.modules:
                    found = importlib.machinery.PathFinder.find_spec(top)
                    where = os.path.realpath(found.origin or "") if found and found.origin else ""
                    if found is None or (found.origin not in ("built-in", "frozen")
                                         and not any(confine._inside(where, d) for d in library_dirs)):
                        continue
                importlib.import_module(name)
            except BaseException:
                pass
    finally:
        sys.meta_path.remove(libraries_only)


def walls_before_preimport(library_dirs: list[str]) -> None:
    """The pre-import runs as root, before the uid drop: first the walls that do not need
    the drop. Landlock keeps reads to the installation it imports from, and the seccomp
    filter refuses processes, programs, sockets, signals to others and every file creation
    or write. confine_self adds its own layers after (both stack)."""
    confine.restrict_reads(library_dirs)
    if confine.seccomp_available():
        confine.install_seccomp(os.getpid(), writable_scratch=False)


# Native readers and writers of files: no Python `open`, so no audit event. The kernel
# walls come first (the namespaces level's private root, Landlock's read list at the
# other levels, seccomp's refusal of writing opens without a scratch); this is the
# second net, in the child only, after the trusted phase.
FILE_READERS = (
    ("torch", "from_file"), ("torch", "load"), ("torch.UntypedStorage", "from_file"),
    ("torch.TypedStorage", "from_file"), ("torch.storage._StorageBase", "from_file"),
    ("torch._C.StorageBase", "from_file"), ("numpy", "fromfile"), ("numpy", "memmap"), ("numpy", "load"),
    ("numpy", "loadtxt"), ("numpy", "genfromtxt"), ("numpy", "fromregex"), ("numpy", "save"), ("numpy", "savez"),
    ("numpy", "savez_compressed"), ("numpy", "savetxt"), ("numpy.rec", "fromfile"), ("numpy.lib.format", "open_memmap"),
    ("numpy.core.records", "fromfile"), ("numpy.ndarray", "tofile"),
)


def disarm_file_readers() -> None:
    """Replace every native file reader or writer a solution could reach with one that
    refuses; a learner's file has no business with files."""

    def refuse(what):
        def refused(*args, **kwargs):
            raise PermissionError(f"{what} is not allowed in a solution (solutions do not read or write files)")

        return refused

    for owner_path, attr in FILE_READERS:
        owner = _resolve(owner_path)
        if owner is None or not hasattr(owner, attr):
            continue
        replacement = refuse(f"{owner_path}.{attr}")
        try:
            setattr(owner, attr, staticmethod(replacement) if isinstance(owner, type) else replacement)
        except (TypeError, AttributeError):
            pass
    for storage in _storage_classes():
        try:
            storage.from_file = staticmethod(refuse(f"{storage.__name__}.from_file"))
        except (TypeError, AttributeError):
            pass


def _resolve(dotted: str):
    parts = dotted.split(".")
    if parts[0] not in sys.modules and parts[0] != "numpy":
        return None
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return None
    for part in parts[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            try:
                obj = importlib.import_module(dotted[:dotted.index(part) + len(part)])
            except ImportError:
                return None
    return obj


def _storage_classes():
    """Every storage class torch defines (ByteStorage, FloatStorage... and the bases)."""
    seen, todo = set(), [torch.storage._StorageBase, torch.storage.TypedStorage, torch.UntypedStorage]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo += cls.__subclasses__()
    return seen


class _WorkspaceLoader(importlib.abc.InspectLoader):
    """Learner modules from memory, under their real file names (tracebacks, the guard)."""

    def __init__(self, path: str, source: str):
        self.path, self.source = path, source

    def get_source(self, fullname):
        return self.source

    def get_filename(self, fullname):
        return self.path

    def exec_module(self, module):
        module.__file__ = self.path
        exec(compile(self.source, self.path, "exec", dont_inherit=True), module.__dict__)


class _WorkspaceFinder(importlib.abc.MetaPathFinder):
    """Serves the learner's modules to the grader (the entry module) and to the learner's
    own files only: a library's lazy `import gmpy2` never gets a workspace gmpy2.py, which
    the static scan never read (it reads the files the learner's imports reach)."""

    def __init__(self, sources: dict[str, tuple[str, str]], entry: str, is_learner=lambda filename: True):
        self.sources, self.entry, self.is_learner = sources, entry, is_learner

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.sources:
            return None
        if fullname != self.entry and not self.is_learner(importing_file(sys._getframe(1))):
            return None
        file, source = self.sources[fullname]
        return importlib.util.spec_from_loader(fullname, _WorkspaceLoader(file, source), origin=file)


class _BlockReferences(importlib.abc.MetaPathFinder):
    """Second net: refuses the grader, the references and anything under a hidden path."""

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
    """Second net, for the levels without a private file system."""
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
    os.close(devnull)


def confine_self(spec: dict, level: Isolation, res_w: int, n_cases: int) -> None:
    """Everything between the trusted phase and the first line of learner code."""
    limits = spec["limits"]
    address_space = _address_space() + int(limits["memory_mb"]) * MiB
    if level is Isolation.NAMESPACES:
        confine.build_root(confine.Plan(level, tuple(spec["hidden"]), int(limits.get("scratch_mb", 64))))
    elif level is Isolation.UID:
        confine.drop_uid(int(spec.get("check_uid") or confine.UNPRIVILEGED_UID))
        os.chdir("/")
    if level is not Isolation.NAMESPACES:
        # No private root here: the kernel (Landlock) keeps reads to the Python installation.
        confine.restrict_reads(confine.Plan(level, tuple(spec["hidden"])).binds())
    confine.close_other_fds({res_w})
    confine.scrub_environment()
    cpu = max(1, int(limits["cpu_seconds"]))
    confine.set_limits(cpu, cpu * (n_cases + 1), address_space, MiB,
                       max_processes=64 if level is Isolation.UID else None)
    if level is Isolation.NAMESPACES:
        confine.drop_capabilities()
    # As init of a pid namespace the child ignores signals it has no handler for,
    # SIGXCPU included: exit with the status that says so.
    signal.signal(signal.SIGXCPU, lambda *_: os._exit(CPU_LIMIT_EXIT))
    if confine.seccomp_available():
        confine.install_seccomp(os.getpid(), writable_scratch=level is Isolation.NAMESPACES)
    sys.dont_write_bytecode = True


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


def _default_probe(entry, inputs: dict, ctx) -> dict:
    """Call the entry point once; send back its output and the inputs as they are after
    the call, so the parent can tell whether the learner changed them in place."""
    output = ctx.call(entry, **inputs)
    after = {k: v for k, v in inputs.items() if type(v) is torch.Tensor}
    return {"output": output, "inputs_after": after}


def signature_mismatch(fn, args: tuple, kwargs: dict, exc: TypeError) -> str:
    """Why the grader's call does not fit the learner's definition, naming the parameters the
    contract calls by name (Python's own message names the learner's, e.g. "missing a
    required argument: 't'" for a call with temperature=...)."""
    name = getattr(fn, "__name__", str(fn))
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return f"{name}: {exc}"
    params = sig.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    unknown = [k for k in kwargs if k not in params and not takes_any]
    call = ", ".join(["…"] * len(args) + [f"{k}=…" for k in kwargs])
    text = f"{name} is called as {name}({call}); yours is defined as {name}{sig}"
    if unknown:
        return text + ": it has no parameter named " + ", ".join(f"`{k}`" for k in unknown) + \
            " (use the statement's parameter names)"
    return f"{text}: {exc}"


class ProbeContext:
    """Handed to a problem's probe: calls learner code and records what it did."""

    def __init__(self, options: dict, guard: Guard):
        self.guard = guard
        self.options = options

    def call(self, fn, *args, **kwargs):
        """Call learner code under the guard, checking the signature first."""
        try:
            inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            raise ChildFailure("wrong-signature", signature_mismatch(fn, args, kwargs, exc))
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
    lists and dicts. Anything else, a tensor subclass included, becomes a marker. (The
    parent checks again: grader/sandbox/wire.py.)"""
    if depth > 6:
        return {"__bad_type__": "nesting too deep"}
    if type(value) is torch.Tensor:
        with torch._C.DisableTorchFunction():
            kind = wire._unusual_kind(value)
            if kind:
                return {"__bad_type__": kind}
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


class _Reporter:
    """Frames to the zygote: a start marker, then a result, per case."""

    def __init__(self, res_w: int, marker: str):
        self.res_w, self.marker = res_w, marker
        self.stream = None  # the grader's own stdout, once redirected (see _run_all)

    def _flush(self) -> None:
        """Flush the stream the grader installed, never a learner's replacement of
        sys.stdout: its `flush` would be learner code run in the grader's machinery."""
        (self.stream or sys.stdout).flush()

    def start(self, index: int) -> None:
        self._flush()
        os.write(1, f"\x1egrader-case-{self.marker}:{index}\n".encode())
        wire.write_all(self.res_w, wire.encode({"event": "start", "case": index}))

    def violation(self, violation) -> None:
        """A violation as the guard records it, in a frame of its own (Guard.on_violation)."""
        wire.write_all(self.res_w, wire.encode({"event": "violation", **violation.to_dict()}))

    def result(self, index: int, header: dict, payload: bytes) -> None:
        self._flush()
        wire.write_all(self.res_w, wire.encode({"event": "result", "case": index, **header}, payload))


def _load_learner(name: str, frames, display):
    try:
        module = importlib.import_module(name)
    except ChildFailure:
        raise
    except SyntaxError as exc:
        raise ChildFailure("syntax-error", f"{display(exc.filename or '')}:{exc.lineno}: {exc.msg}")
    except BaseException as exc:
        if _is_memory_error(exc):
            raise ChildFailure("memory-limit", "ran out of the memory limit while importing the file")
        if isinstance(exc, SystemExit):
            raise ChildFailure("exited", f"your file raised SystemExit({exc.code!r}) (sys.exit) while being imported")
        raise ChildFailure("import-error", f"importing your file raised {type(exc).__name__}: {exc}"[:2000],
                           _learner_traceback(exc, frames, display))
    return module


def _run_case(probe, entry, case: dict, guard: Guard, frames, display) -> tuple[dict, bytes]:
    ctx = ProbeContext(case.get("options") or {}, guard)
    try:
        result = probe(entry, arranged(case["inputs"], ctx.options), ctx)
    except ChildFailure:
        raise
    except BaseException as exc:
        if _is_memory_error(exc):
            raise ChildFailure("memory-limit", "ran out of the memory limit")
        if isinstance(exc, BannedAPIError):
            raise ChildFailure("banned", str(exc), _learner_traceback(exc, frames, display))
        if isinstance(exc, SystemExit):
            raise ChildFailure("exited", f"your code raised SystemExit({exc.code!r}) (sys.exit) instead of returning")
        status = "not-implemented" if isinstance(exc, NotImplementedError) else "exception"
        raise ChildFailure(status, f"{type(exc).__name__}: {exc}"[:2000], _learner_traceback(exc, frames, display))
    return {"status": "ok"}, wire.dump_plain(sanitize(result))


def child_main(spec: dict, cases: list, out_w: int, res_w: int, level: Isolation, marker: str) -> None:
    """Confine this process, then run every case; never returns."""
    reporter = _Reporter(res_w, marker)
    try:
        torch.set_num_threads(1)
        name = spec["module_name"]
        refused = None
        try:
            sources = read_workspace(spec)
        except LinkRefused as exc:
            sources, refused = {}, ChildFailure("import-error", str(exc))
        probe = _load_probe(spec.get("probe_path"))
        workspace = Path(spec["workspace"]).resolve() if spec.get("workspace") else None
        frames = LearnerFrames([workspace] if workspace else [],
                               [sources[name][0]] if name in sources else [])
        guard = Guard(build_spec(spec["banned"], spec["banned_aten"]), frames, _display(workspace))
        _redirect_output(out_w)
        if level is Isolation.UID:
            library_dirs = confine.Plan(level, tuple(spec["hidden"])).binds()
            walls_before_preimport(library_dirs)
            preimport(sources, name, library_dirs, [str(workspace)] if workspace else [])
        disarm_file_readers()  # before confinement: at the uid level numpy.rec may be unreadable after it
        confine_self(spec, level, res_w, len(cases))
    except BaseException as exc:
        wire.write_all(res_w, wire.encode({"event": "refused", "message": f"{type(exc).__name__}: {exc}"[:2000]}))
        os._exit(71)
    _run_all(spec, cases, sources, probe, guard, frames, _display(workspace), reporter, refused)
    os._exit(0)


def _display(workspace: Path | None):
    def display(filename: str) -> str:
        if workspace is not None and filename.startswith(str(workspace) + os.sep):
            return os.path.relpath(filename, workspace)
        return filename

    return display


def _run_all(spec, cases, sources, probe, guard, frames, display, reporter, refused=None) -> None:
    # Before any learner code: from here on a "refused" frame is the learner's, not the sandbox's.
    wire.write_all(reporter.res_w, wire.encode({"event": "confined"}))
    sys.meta_path.insert(0, _WorkspaceFinder(sources, spec["module_name"], frames.is_learner))
    sys.meta_path.insert(0, _BlockReferences(spec.get("blocked_dirs") or []))
    _install_audit_hook(spec.get("hidden") or [])
    _show_warnings_at_learner_lines(frames, display)
    reporter.stream = sys.stdout
    guard.on_violation = reporter.violation
    guard.hold()  # from the learner's import to the end: their finalizers and handlers run under it too
    reported = 0
    fatal: ChildFailure | None = refused
    entry = None
    try:
        if fatal is not None:
            raise fatal
        with guard:
            module = _load_learner(spec["module_name"], frames, display)
        entry = module.__dict__.get(spec["entry"])
        if entry is None or not callable(entry):
            raise ChildFailure("missing-entry", f"no `{spec['entry']}` defined in your file")
    except ChildFailure as failure:
        fatal = failure
    except BaseException as exc:
        fatal = ChildFailure("exception", f"{type(exc).__name__}: {exc}"[:2000])
    cpu = max(1, int(spec["limits"]["cpu_seconds"]))
    for index, case in enumerate(cases):
        reporter.start(index)
        payload = b""
        if fatal is not None:
            header = {"status": fatal.status, "message": fatal.message, "traceback": fatal.tb}
        else:
            try:
                used = resource.getrusage(resource.RUSAGE_SELF)
                soft = int(used.ru_utime + used.ru_stime) + cpu
                hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
                resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard), hard))
                torch.default_generator.manual_seed(0)  # cheaper than torch.manual_seed (no lazy CUDA hooks)
                header, payload = _run_case(probe, entry, case, guard, frames, display)
            except ChildFailure as failure:
                header = {"status": failure.status, "message": failure.message, "traceback": failure.tb}
            except BaseException as exc:  # learner code escaping into the loop
                status = "banned" if isinstance(exc, BannedAPIError) else "exception"
                header = {"status": status, "message": f"{type(exc).__name__}: {exc}"[:2000]}
        if index == len(cases) - 1 or header.get("status") == "memory-limit":
            # The child's last result: the watch reads nothing after it, so no learner code
            # may run after the violations below are taken. Signals already wait outside the
            # learner's calls (Guard.hold); a collection could still run a learner's finalizer.
            gc.disable()
        header["violations"] = [v.to_dict() for v in guard.violations[reported:]]
        reported = len(guard.violations)
        reporter.result(index, header, payload)
        if header.get("status") == "memory-limit":
            break  # like a time limit: the remaining cases are not run (sandbox.STOPPING)
