"""Run-time interception of banned calls, inside the sandboxed child.

Two torch modes watch every call: a TorchFunctionMode sees the outermost torch
function (matched by identity, so every alias of F.gelu is one object) and a
TorchDispatchMode sees the aten op underneath (so torch.ops.aten.gelu, vmap, jit and
compile routes are caught). Construction of banned classes is intercepted too. A hit
counts only when a learner frame is on the Python stack: the grader's own calls are
never the learner's.

In-process, so advisory: code that reached the interpreter's internals could switch it
off. The static scan (a closed world, grader/policy/constructs.py) is what keeps learner code from
reaching it; the kernel's confinement (grader/sandbox/confine.py) is the wall that holds either way.
"""

from __future__ import annotations

import _signal
import gc
import inspect
import os
import signal
import sys
from pathlib import Path
from typing import Callable

import torch
from torch.overrides import TorchFunctionMode, _get_current_function_mode_stack
from torch.utils._python_dispatch import TorchDispatchMode, _get_current_dispatch_mode_stack

from .banned import BannedSpec
from .violations import Violation


class BannedAPIError(RuntimeError):
    """Raised into learner code when it calls a banned API."""


class LearnerFrames:
    """Decides whether a stack frame belongs to the learner."""

    def __init__(self, dirs: list[Path], files: list[str] = ()):
        self.dirs = [str(Path(d).resolve()) for d in dirs]
        self.files = set(files)

    def is_learner(self, filename: str) -> bool:
        """The learner's files are the workspace's top-level modules (a virtualenv or a
        package inside the workspace is not the learner's code)."""
        if filename in self.files:
            return True
        return os.path.dirname(filename) in self.dirs

    def innermost(self) -> tuple[str, int] | None:
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            if self.is_learner(name):
                return name, frame.f_lineno
            frame = frame.f_back
        return None


class Guard:
    def __init__(self, spec: BannedSpec, frames: LearnerFrames, display=lambda f: f):
        self.spec = spec
        self.frames = frames
        self.display = display
        self.violations: list[Violation] = []
        self._seen: set[tuple] = set()
        self._patched: list[tuple[type, object]] = []
        self._fmode = _FunctionMode(self)
        self._dmode = _DispatchMode(self)
        self._depth = 0  # re-entrant: the child holds it over every case, each call enters it again
        self._held = False
        self._pushed_for_collections: list[list] = []
        self._collecting = 0  # inside a collection the held guard watches (its gc callback)
        self._pushed_for_learner_frames: list[tuple[object, list]] = []
        self._learner_code: dict = {}  # code object -> whether it is the learner's (the profile function's cache)
        # Set by the child: each violation leaves the process the moment it is recorded, so
        # that no end of the case (a kill at a limit, an exit, a forged result) can lose it.
        self.on_violation: Callable[[Violation], None] | None = None

    def hit(self, api: str, how: str, kind: str = "banned") -> None:
        where = self.frames.innermost()
        if where is None and (self._depth >= 2 or self._collecting) and self.frames.files:
            # Inside a learner call only the learner's code runs, even with none of its lines on
            # the stack: C callables it chained (a weakref.finalize of maps, run as its frame
            # is cleared at the return), which the grader's own code never makes; and a
            # collection runs finalizers, none of the grader's calling a banned API.
            where = (next(iter(self.frames.files)), 0)
            how += ", by your code with none of its lines on the stack (a finalizer or callback)"
        if where is None:
            return
        file, line = where
        key = (api, file, line)
        if key not in self._seen:
            self._seen.add(key)
            violation = Violation(api, self.display(file), line, how, kind)
            self.violations.append(violation)
            if self.on_violation is not None:
                try:
                    self.on_violation(violation)
                except OSError:
                    pass  # the pipe is gone: so is every result the child could still send
        raise BannedAPIError(f"{api} is banned in this problem ({how})")

    def __enter__(self):
        self._depth += 1
        if self._depth == 1:
            self._patch_classes()
            self._fmode.__enter__()
            self._dmode.__enter__()
        else:
            self._restore()
            if self._held and self._depth == 2:
                _signals(signal.SIG_UNBLOCK)  # a learner call begins: its handlers may run
        return self

    def hold(self) -> None:
        """Stay entered until the process ends: learner code also runs between the grader's
        calls (a `__del__` when the grader drops a returned object, a weakref callback, a
        signal handler), and there it must meet the guard too. Never exited: the child ends
        with os._exit.

        Signal handlers get two more nets. A handler runs wherever the interpreter is,
        torch's own Python included, where torch has popped the guard's modes off its
        stacks while one of them runs (a banned call there was unseen): every handler the
        learner installs runs with the modes pushed back (_guarded_handler). And signals
        are blocked outside the learner's calls (they wait, pending, for the next one), so
        no handler runs in the grader's own machinery between cases or after the last
        result, where a violation could not be reported."""
        self.__enter__()
        self._held = True
        _wrap_signal_handlers(self)
        _signals(signal.SIG_BLOCK)
        # Finalizers and weakref callbacks a collection runs: a collection starts at an
        # allocation, most often a tensor made inside one of the guard's own mode handlers,
        # where torch has popped that mode (measured: nearly every cyclic finalizer ran
        # with both stacks empty).
        gc.callbacks.append(self._collection_under_guard)

    def _collection_under_guard(self, phase: str, info: dict) -> None:
        """A gc callback: the modes pushed back for the collection, popped after it."""
        if phase == "start":
            self._collecting += 1
            self._pushed_for_collections.append(self._push_missing_modes())
            return
        self._collecting = max(0, self._collecting - 1)
        if self._pushed_for_collections:
            for mode in reversed(self._pushed_for_collections.pop()):
                mode.__exit__(None, None, None)

    def _guarded_handler(self, handler):
        """`handler` run under the whole guard. Its banned call is recorded (a violation:
        the check fails) and not raised on into whatever code the signal interrupted: the
        grader's machinery would report it as the sandbox's failure. Any other exception
        goes on only into the learner's own code; raised into the grader's (the guard's
        own entry and exit) or a library's, it is dropped with a line on stderr."""
        guard = self

        def run(signum, frame):
            pushed = guard._push_missing_modes()
            try:
                return handler(signum, frame)
            except BannedAPIError:
                return None
            except BaseException as exc:
                if frame is not None and guard.frames.is_learner(frame.f_code.co_filename):
                    raise
                os.write(2, f"(a signal handler raised {type(exc).__name__} outside your code: ignored)\n".encode())
                return None
            finally:
                for mode in reversed(pushed):
                    mode.__exit__(None, None, None)

        run._grader_learner_handler = handler
        return run

    def learner_frames_under_guard(self, frame, event: str, arg) -> None:
        """A profile function, set only while a kernel runs inside the dispatch mode's handler
        (where torch has popped that mode): learner code that runs there (a `__del__` of an
        object the kernel frees) runs with the modes pushed back, popped when it returns.
        Kernels are C++: nothing else calls it."""
        if event == "call":
            code = frame.f_code
            mine = self._learner_code.get(code)
            if mine is None:
                mine = self._learner_code[code] = self.frames.is_learner(code.co_filename)
            if mine:
                self._pushed_for_learner_frames.append((frame, self._push_missing_modes()))
        elif event == "return" and self._pushed_for_learner_frames and self._pushed_for_learner_frames[-1][0] is frame:
            for mode in reversed(self._pushed_for_learner_frames.pop()[1]):
                mode.__exit__(None, None, None)

    def _push_missing_modes(self) -> list:
        """Push the modes torch's stacks lack now (inside a mode's own handler, torch pops
        it); the caller pops exactly these."""
        pushed = []
        if not any(m is self._fmode for m in _get_current_function_mode_stack()):
            self._fmode.__enter__()
            pushed.append(self._fmode)
        if not any(m is self._dmode for m in _get_current_dispatch_mode_stack()):
            self._dmode.__enter__()
            pushed.append(self._dmode)
        self._patch_classes()
        return pushed

    def _restore(self) -> None:
        """Each call under a held guard finds it whole again: modes a learner popped off
        torch's stacks are pushed back (and stay: the guard is held), class patches a
        learner undid are redone."""
        self._push_missing_modes()

    def __exit__(self, *exc):
        self._depth -= 1
        if self._depth == 0:
            self._dmode.__exit__(*exc)
            self._fmode.__exit__(*exc)
            self._unpatch_classes()
        elif self._held and self._depth == 1:
            _signals(signal.SIG_BLOCK)  # back in the grader's code: handlers wait for the next call
        return False

    def _patch_classes(self) -> None:
        guard = self
        for cls, public in self.spec.classes.items():
            original = cls.__dict__.get("__init__")
            if getattr(original, "_grader_guard", None) is self:
                continue  # already patched (a held guard entered again)
            base_init = cls.__init__

            def patched(self_, *args, __public=public, __base=base_init, **kwargs):
                guard.hit(__public, "run time: constructed")
                return __base(self_, *args, **kwargs)

            patched._grader_guard = guard
            try:
                type.__setattr__(cls, "__init__", patched)
            except TypeError:
                continue  # an immutable C type (numpy's Generator): the static scan covers it
            self._patched.append((cls, original))

    def _unpatch_classes(self) -> None:
        for cls, original in reversed(self._patched):
            if original is None:
                type.__delattr__(cls, "__init__")
            else:
                type.__setattr__(cls, "__init__", original)
        self._patched.clear()


_SIGMASK = getattr(_signal, "pthread_sigmask", None)  # none on Windows, which has no setitimer either
_ALL_SIGNALS = frozenset(int(s) for s in signal.valid_signals())


def _signals(how) -> None:
    """Block or unblock every signal that can be (SIGKILL and SIGSTOP cannot), twice per
    learner call: `_signal`'s own call with plain ints takes 2 us, `signal.pthread_sigmask`
    120 us (it makes an enum of every signal of the mask it returns)."""
    if _SIGMASK is not None:
        _SIGMASK(how, _ALL_SIGNALS)


def _wrap_signal_handlers(guard: Guard) -> None:
    """From now on, a handler installed by `signal.signal` (which calls `_signal.signal`)
    runs as guard._guarded_handler; `getsignal` still answers with the learner's own."""
    install, ask = _signal.signal, _signal.getsignal

    def learners(handler):
        return getattr(handler, "_grader_learner_handler", handler)

    def signal_under_guard(signalnum, handler):
        if callable(handler):
            handler = guard._guarded_handler(handler)
        return learners(install(signalnum, handler))

    def getsignal_under_guard(signalnum):
        return learners(ask(signalnum))

    _signal.signal, _signal.getsignal = signal_under_guard, getsignal_under_guard


class _FunctionMode(TorchFunctionMode):
    def __init__(self, guard: Guard):
        super().__init__()
        self.guard = guard

    def __torch_function__(self, func, types, args=(), kwargs=None):
        public = self.guard.spec.functions.get(id(func))
        if public is not None:
            self.guard.hit(public, "run time: torch function")
        return func(*args, **(kwargs or {}))


class _DispatchMode(TorchDispatchMode):
    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # Otherwise torch wraps __torch_dispatch__ in a lazy `_disable_dynamo`, whose first
        # call imports torch._dynamo: 1.3 s per check, for a mode that never compiles.
        return False

    def __init__(self, guard: Guard):
        super().__init__()
        self.guard = guard

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        for kind in types:
            if _runs_code_outside_the_modes(kind):
                self.guard.hit(f"{kind.__name__}.__torch_dispatch__", "run time: a tensor subclass's __torch_dispatch__ "
                               "runs with the run-time checks switched off", "forbidden")
        facts = _OP_FACTS.get(id(func))
        if facts is None or facts[0] is not func:
            facts = _op_facts(func)
        _, name, mutates = facts
        public = self.guard.spec.aten.get(name)
        if public is not None:
            label = f"aten.{name}" if public.endswith(name) else f"aten.{name}, the kernel behind {public}"
            self.guard.hit(public, f"run time: {label}")
        if not mutates:
            return func(*args, **(kwargs or {}))
        # A kernel that writes its arguments (set_, resize_, in-place ops) can drop the last
        # reference to an object a learner hung a `__del__` on (a replaced storage): that
        # finalizer runs inside the kernel, where torch has popped this mode.
        previous = sys.getprofile()
        sys.setprofile(self.guard.learner_frames_under_guard)
        try:
            return func(*args, **(kwargs or {}))
        finally:
            sys.setprofile(previous)


_PLAIN_DISPATCH = inspect.getattr_static(torch.Tensor, "__torch_dispatch__", None)


def _runs_code_outside_the_modes(kind: type) -> bool:
    """A tensor subclass of code other than torch's own whose __torch_dispatch__ torch calls
    after popping the guard's dispatch mode, with torch functions switched off: whatever it
    runs there is seen by neither mode. Torch's own subclasses (nested, sparse) run torch's code."""
    if inspect.getattr_static(kind, "__torch_dispatch__", None) is _PLAIN_DISPATCH:
        return False
    module = getattr(kind, "__module__", "") or ""
    return not (isinstance(module, str) and (module == "torch" or module.startswith("torch.")))


_OP_FACTS: dict = {}  # id(overload) -> (overload, its packet's name, whether it may write its arguments)


def _op_facts(func) -> tuple:
    """What the dispatch mode asks of an aten overload, once per overload and process (the
    zygote's warm-up fills it for every child): its name and whether it may write its
    arguments. Keyed by id, the overload held so that no id is reused: OpOverload's
    own hash is a Python method, and the packet's name a property, on every op otherwise."""
    schema = getattr(func, "_schema", None)
    facts = (func, func.overloadpacket.__name__, bool(getattr(schema, "is_mutable", True)))
    _OP_FACTS[id(func)] = facts
    return facts


def _mutates(func) -> bool:
    """Whether an aten overload may write its arguments (cached: a schema lookup per op)."""
    facts = _OP_FACTS.get(id(func))
    if facts is None or facts[0] is not func:
        facts = _op_facts(func)
    return facts[2]
