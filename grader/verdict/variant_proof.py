"""Proving that a variant computes, on a case, exactly what the reference computes, without
running the case: replaying its one edited function on the argument states the unedited
program passes that function on the case.

The variant is the unedited program (grader/evidence/variants.py `build` with no edit) with
one function's body replaced. Record, while the unedited program runs a case, every call
of each of its functions: the arguments' state on entry (tensors with their storages,
strides and offsets, generators' states, plain values), and on return the arguments'
state and the value returned. If the edited function, called on a fresh copy of each
recorded entry state, returns the same bits (same dtypes, shapes, strides, storages shared
with the same arguments) and leaves its arguments and the global RNG as the unedited one
did, then the variant's run of the case is the unedited run step for step (by induction
over the calls), so its outputs are the reference's, bit for bit. A variant whose
`generate` differs only deep inside the sampler is then proven on the greedy cases for
free, and one that only renames an axis of equal size in attention is proven without
decoding 3000 rows again.

It is a proof only under conditions checked here, never assumed; where one fails nothing
is proven and the case runs as before:
- the unedited program is deterministic on the case: its run leaves the global RNGs
  (torch's, Python's) untouched and gives bit for bit the reference's values;
- every function of the solution is pure but for its arguments: no global stored, every
  global it reads a module, a function, a class or an immutable constant; no
  decorator (a cache would skip calls), no generator, no closure over outer state;
- the edits lie in the function's body (a default value is evaluated when the variant is
  built, not when it is called); the values crossing a call are plain (tensors, numbers,
  strings, dtypes, generators, and lists, tuples and dicts of them);
- no call of the function raised during the recorded run, and no replay raises.
Nothing here decides a variant differs: a replay that does not match only sends the case
to be run.
"""

from __future__ import annotations

import ast
import dis
import random
import sys
import types
from dataclasses import dataclass, field

import torch

from ..evidence.variants import Unit, Variant

RETURN_VALUE = dis.opmap["RETURN_VALUE"]
_CONSTANTS = (int, float, complex, str, bytes, bool, type(None), torch.dtype, torch.device)
_GENERATOR_FLAGS = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async generator


class _Unprovable(Exception):
    pass


# --------------------------------------------------------------------------- values as data
@dataclass
class _Registry:
    """Storages and objects met while encoding one call's values, numbered in order."""

    storages: list = field(default_factory=list)  # the live storages (not copies)
    by_pointer: dict = field(default_factory=dict)  # data_ptr -> index
    objects: dict = field(default_factory=dict)  # id(object) -> token

    def storage(self, tensor: torch.Tensor) -> int:
        s = tensor.untyped_storage()
        key = (s.data_ptr(), s.nbytes())
        if key not in self.by_pointer:
            self.by_pointer[key] = len(self.storages)
            self.storages.append(s)
        return self.by_pointer[key]

    def token(self, obj) -> int:
        return self.objects.setdefault(id(obj), len(self.objects))


def _encode(value, reg: _Registry):
    """`value` as comparable data; tensors by storage index, never by content."""
    if type(value) is torch.Tensor:
        if value.device.type != "cpu" or value.is_sparse or value.requires_grad or value.is_quantized:
            raise _Unprovable
        return ("T", reg.token(value), reg.storage(value), value.dtype, tuple(value.shape), value.stride(),
                value.storage_offset())
    if type(value) is torch.Generator:
        return ("G", reg.token(value), value.device.type, bytes(value.get_state().numpy().tobytes()))
    if isinstance(value, _CONSTANTS):
        return ("C", type(value).__name__, repr(value))
    if type(value) in (list, tuple, torch.Size):
        kind = {list: "L", tuple: "U", torch.Size: "S"}[type(value)]
        return (kind, reg.token(value) if kind == "L" else 0) + tuple(_encode(v, reg) for v in value)
    if type(value) is dict and all(type(k) in (str, int) for k in value):
        return ("D", reg.token(value)) + tuple((k, _encode(v, reg)) for k, v in value.items())
    raise _Unprovable


def _decode(tree, storages: list, made: dict):
    kind = tree[0]
    if kind == "T":
        _, token, index, dtype, shape, stride, offset = tree
        if token not in made:
            made[token] = torch.empty(0, dtype=dtype).set_(storages[index], offset, shape, stride)
        return made[token]
    if kind == "G":
        _, token, device, state = tree
        if token not in made:
            g = torch.Generator(device=device)
            g.set_state(torch.frombuffer(bytearray(state), dtype=torch.uint8))
            made[token] = g
        return made[token]
    if kind == "C":
        raise AssertionError("constants are kept as values")  # pragma: no cover
    if kind in ("L", "U", "S"):
        items = [_decode_value(v, storages, made) for v in tree[2:]]
        if kind == "L":
            return made.setdefault(tree[1], items)
        return tuple(items) if kind == "U" else torch.Size(items)
    if kind == "D":
        return made.setdefault(tree[1], {k: _decode_value(v, storages, made) for k, v in tree[2:]})
    raise AssertionError(kind)  # pragma: no cover


def _decode_value(tree, storages, made):
    return tree[3] if tree[0] == "V" else _decode(tree, storages, made)


def _with_constants(tree, value):
    """The encoded tree with each constant's own value kept beside it (to rebuild it exactly)."""
    if tree[0] == "C":
        return ("V", tree[1], tree[2], value)
    if tree[0] in ("L", "U", "S"):
        return tree[:2] + tuple(_with_constants(t, v) for t, v in zip(tree[2:], value))
    if tree[0] == "D":
        return tree[:2] + tuple((k, _with_constants(t, value[k])) for k, t in tree[2:])
    return tree


def _bytes_of(storage) -> torch.Tensor:
    return torch.empty(0, dtype=torch.uint8).set_(storage)


def _words_of(storage) -> torch.Tensor:
    """The storage's bytes as the widest integers that tile it (comparing 8 bytes at a time)."""
    n = storage.nbytes()
    dtype = torch.int64 if n % 8 == 0 else torch.int32 if n % 4 == 0 else torch.uint8
    return torch.empty(0, dtype=dtype).set_(storage)


def _same_bytes(a, b) -> bool:
    return a.nbytes() == b.nbytes() and bool(torch.equal(_words_of(a), _words_of(b)))


def _comparable(tree):
    """The tree without the rebuilt constants' values (their repr stays)."""
    if tree[0] == "V":
        return ("C", tree[1], tree[2])
    if tree[0] in ("L", "U", "S"):
        return tree[:2] + tuple(_comparable(t) for t in tree[2:])
    if tree[0] == "D":
        return tree[:2] + tuple((k, _comparable(t)) for k, t in tree[2:])
    return tree


# --------------------------------------------------------------------------- one call
@dataclass
class Call:
    """One recorded call: what went in, and what came out."""

    names: tuple[str, ...]  # the parameters, in order
    positional: int  # how many of them are passed by position (the rest by keyword)
    entry: tuple  # the arguments' encoded state on entry (constants with their values)
    storages: list  # copies of the arguments' storages on entry
    exit: tuple  # the arguments' and the result's encoded state on return
    exit_storages: list  # copies of every storage the exit state names, on return


def _in_a_mode() -> bool:
    return torch._C._len_torch_dispatch_stack() > 0 or torch._C._len_torch_function_stack() > 0


def _global_rng():
    return torch.get_rng_state(), random.getstate()


def _same_rng(a, b) -> bool:
    return bool(torch.equal(a[0], b[0])) and a[1] == b[1]


def _parameters(code: types.CodeType) -> tuple[tuple[str, ...], int]:
    if code.co_flags & 0x0C:  # *args / **kwargs: not replayed
        raise _Unprovable
    return code.co_varnames[:code.co_argcount + code.co_kwonlyargcount], code.co_argcount


def _exit_state(args: list, result, entry_storages: list) -> tuple[tuple, _Registry]:
    """The arguments' and the result's state; the entry's storages numbered first, in entry
    order (so a record and a replay number the same storages alike)."""
    reg = _Registry()
    for s in entry_storages:
        reg.by_pointer.setdefault((s.data_ptr(), s.nbytes()), len(reg.storages))
        reg.storages.append(s)
    return (_encode(tuple(args), reg), _encode(result, reg)), reg


class _Copies:
    """Copies of storages, one per content: the weights every call receives, the
    activations passed down from call to call, a prompt cloned afresh for every run of a
    case, are kept once. Equal contents share one copy object, so two calls with the same
    state are seen to be the same by their copies' identities."""

    def __init__(self):
        self.last: dict[tuple[int, int], object] = {}  # (address, size) -> the copy last made there
        self.by_content: dict[tuple, list] = {}  # fingerprint -> copies (equal bytes checked, never assumed)

    def copy(self, storage):
        key = (storage.data_ptr(), storage.nbytes())
        kept = self.last.get(key)
        if kept is not None and _same_bytes(storage, kept):
            return kept
        bucket = self.by_content.setdefault(_fingerprint(storage), [])
        kept = next((c for c in bucket if _same_bytes(storage, c)), None)
        if kept is None:
            kept = storage.clone()
            bucket.append(kept)
        self.last[key] = kept
        return kept


def _fingerprint(storage) -> tuple:
    """A cheap summary of a storage's bytes (only to find candidates: equality is compared)."""
    words = _words_of(storage)
    return storage.nbytes(), int(words.sum(dtype=torch.int64)), int(words[::7].sum(dtype=torch.int64))


class _Recorder:
    """Records every call of the watched code objects (settrace, call and return events only)."""

    def __init__(self, watched: dict[types.CodeType, int], copies: _Copies):
        self.watched, self.copies = watched, copies
        self.calls: dict[int, list[Call]] = {}
        self.broken: set[int] = set()  # units with a call that cannot be replayed (raised, odd values)
        self.rng_moved = False
        self.moded = False
        self._open: dict[int, tuple] = {}  # id(frame) -> (unit, args, entry tree, storages, rng)

    def __call__(self, frame, event, arg):
        unit = self.watched.get(frame.f_code)
        if unit is None:
            return None
        if _in_a_mode():
            # A torch function or dispatch mode (kv-cache's probe counts the work of every op) sees what a
            # replay outside it would not: nothing on this run is proven, and nothing more is recorded.
            self.moded = True
            sys.settrace(None)
            return None
        frame.f_trace_lines = False
        try:
            names, positional = _parameters(frame.f_code)
            args = [frame.f_locals[n] for n in names]
            reg = _Registry()
            tree = _with_constants(_encode(tuple(args), reg), tuple(args))
            copies = [self.copies.copy(s) for s in reg.storages]
            rng = _global_rng() if unit == 0 else None  # the whole program's calls: did it draw from a global RNG?
            self._open[id(frame)] = (unit, names, positional, args, tree, reg.storages, copies, rng)
        except (_Unprovable, KeyError):
            self.broken.add(unit)
        return self._local

    def _local(self, frame, event, arg):
        if event != "return":
            return self._local
        opened = self._open.pop(id(frame), None)
        if opened is None:
            return None
        unit, names, positional, args, tree, live, copies, rng = opened
        if frame.f_code.co_code[frame.f_lasti] != RETURN_VALUE:
            self.broken.add(unit)  # left by an exception
            return None
        if rng is not None and not _same_rng(rng, _global_rng()):
            self.rng_moved = True
        try:
            exit_tree, reg = _exit_state(args, arg, live)
        except _Unprovable:
            self.broken.add(unit)
            return None
        exit_copies = [self.copies.copy(s) for s in reg.storages]
        self.calls.setdefault(unit, []).append(Call(names, positional, tree, copies, exit_tree, exit_copies))
        return None


def replay_matches(fn, call: Call) -> bool:
    """Whether `fn` on a fresh copy of the call's entry state returns, and leaves, what the
    recorded call did (bit for bit), the global RNGs untouched."""
    if _in_a_mode():
        return False
    storages = [s.clone() for s in call.storages]
    made: dict = {}
    args = [_decode_value(t, storages, made) for t in call.entry[2:]]
    before = _global_rng()
    try:
        result = fn(*args[:call.positional], **dict(zip(call.names[call.positional:], args[call.positional:])))
    except Exception:
        return False
    if not _same_rng(before, _global_rng()):
        return False
    try:
        tree, reg = _exit_state(args, result, storages)
    except _Unprovable:
        return False
    return _comparable_exit(tree) == _comparable_exit(call.exit) and len(reg.storages) == len(call.exit_storages) \
        and all(_same_bytes(a, b) for a, b in zip(reg.storages, call.exit_storages))


def _comparable_exit(tree):
    return tuple(_comparable(t) for t in tree)


# --------------------------------------------------------------------------- which functions may be replayed
def _pure(fn) -> bool:
    """No global or attribute stored; every global read a module, a function, a class or an immutable
    constant; not a generator; no closure over outer state (nested code included)."""
    if not isinstance(fn, types.FunctionType) or fn.__closure__ or fn.__code__.co_freevars:
        return False
    return _pure_code(fn.__code__, fn.__globals__)


def _pure_code(code: types.CodeType, space: dict, top: bool = True) -> bool:
    if top and code.co_flags & _GENERATOR_FLAGS:
        return False  # its calls return more than once (a generator expression inside is only local)
    builtins = space.get("__builtins__", {})
    builtins = vars(builtins) if isinstance(builtins, types.ModuleType) else builtins
    for ins in dis.get_instructions(code):
        if ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL", "STORE_ATTR", "DELETE_ATTR"):
            return False  # a global, or an attribute of some object (a module's, say), set: state a replay cannot see
        if ins.opname == "LOAD_GLOBAL":
            name = ins.argval
            value = space[name] if name in space else builtins.get(name, _MISSING)
            if not _allowed_global(value):
                return False
    return all(_pure_code(c, space, top=False) for c in code.co_consts if isinstance(c, types.CodeType))


_MISSING = object()


def _allowed_global(value) -> bool:
    if value is _MISSING:
        return False
    if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
        return not isinstance(value, types.FunctionType) or value.__closure__ is None
    if isinstance(value, _CONSTANTS):
        return True
    return isinstance(value, (tuple, frozenset)) and all(_allowed_global(v) for v in value)


def _body_nodes(tree: ast.AST) -> set[int]:
    """Indices (ast.walk order) of the nodes evaluated only when the function runs: its body."""
    body = set()
    for stmt in getattr(tree, "body", []):
        body.update(id(n) for n in ast.walk(stmt))
    return {i for i, n in enumerate(ast.walk(tree)) if id(n) in body}


def _edited_unit(units: list[Unit], variant: Variant) -> int | None:
    """The one function unit whose body holds every edit, else None."""
    edited = {e.unit for e in variant.edits}
    if len(edited) != 1:
        return None
    k = edited.pop()
    tree = units[k].tree
    if not isinstance(tree, ast.FunctionDef) or tree.decorator_list:
        return None
    inside = _body_nodes(tree)
    for e in variant.edits:
        if e.node in inside:
            continue
        if e.node == 0 and (e.kind.value == "swapped statements" or _float32_return(e)):
            continue  # two statements of the body swapped; the body's returns wrapped
        return None
    return k


def _float32_return(edit) -> bool:
    """The edit that passes every `return` of the function through a float32 round trip
    (grader/evidence/variants.py `_f32_roundtrip`: float64 tensors, alone or in tuples)."""
    return edit.kind.value == "dtype" and tuple(edit.detail) == ("float32 return",)


def _has_float64(tree) -> bool:
    """Whether an encoded value holds a float64 tensor the round trip would change (alone or in tuples)."""
    if tree[0] == "T":
        return tree[3] == torch.float64
    return tree[0] == "U" and any(_has_float64(t) for t in tree[2:])


def _nested_functions(tree: ast.AST) -> bool:
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) for n in ast.walk(tree)
               if n is not tree)


# --------------------------------------------------------------------------- a problem's recordings
class Proofs:
    """The unedited program's calls on each case (by the id of the Case it ran), and
    whether a variant's edited function reproduces them."""

    def __init__(self, units: list[Unit], base):
        self.units = units
        self.base = base  # the unedited program's entry (build(units, ()))
        space = getattr(base, "__globals__", {})  # a class entry has none: nothing is proven
        self.functions = {k: space.get(f"__variant_unit_{k}") for k in range(len(units))}
        self.enabled = sys.gettrace() is None and all(
            isinstance(u.tree, ast.FunctionDef) and not u.tree.decorator_list and _pure(self.functions[k])
            for k, u in enumerate(units))
        self.watched = {self.functions[k].__code__: k for k in range(len(units))} if self.enabled else {}
        self.by_case: dict[int, tuple[dict[int, list[Call]], set[int]]] = {}
        self._copies = _Copies()
        self._checked: dict[int, tuple] = {}  # id(edited function) -> (it, pure?, calls it reproduced)

    def record(self, case_key: int, run) -> object:
        """`run()` (the unedited program through the probe) with its calls recorded; its value."""
        if not self.enabled or sys.gettrace() is not None:
            return run()
        recorder = _Recorder(self.watched, self._copies)
        sys.settrace(recorder)
        try:
            value = run()
        finally:
            sys.settrace(None)
        # The global RNGs are watched around the entry's calls: an entry call not recorded leaves them unwatched.
        if not recorder.rng_moved and not recorder.moded and 0 not in recorder.broken \
                and (0 in recorder.calls or not recorder.calls):
            self.by_case[case_key] = (recorder.calls, recorder.broken)
        return value

    def forget(self, case_key: int) -> None:
        """The case's run did not give the reference's values: nothing is proven on it."""
        self.by_case.pop(case_key, None)

    def edited(self, variant: Variant) -> int | None:
        return _edited_unit(self.units, variant) if self.enabled else None

    def identical(self, fn, unit: int | None, case_key: int, variant: Variant | None = None) -> bool:
        """Whether the variant whose entry is `fn`, edited in `unit` only, gives the unedited
        program's run on the case (proven by replaying its edited function's calls)."""
        if unit is None or case_key not in self.by_case:
            return False
        calls, broken = self.by_case[case_key]
        if unit in broken:
            return False
        if variant is not None and len(variant.edits) == 1 and _float32_return(variant.edits[0]) \
                and not _nested_functions(self.units[unit].tree) \
                and not any(_has_float64(call.exit[1]) for call in calls.get(unit, ())):
            return True  # the round trip returns every value it is given, unchanged: a dead edit here
        edited = fn.__globals__.get(f"__variant_unit_{unit}")
        if edited is None:
            return False
        if id(edited) not in self._checked:
            self._checked = {id(edited): (edited, _pure(edited), set())}  # one variant at a time
        _, pure, reproduced = self._checked[id(edited)]
        if not pure:
            return False
        for call in calls.get(unit, ()):
            # Calls with the same state on entry and on return (a sampler's rerun with the same seed,
            # the first step of every decoding of one prompt) are one call: replayed once.
            same = (call.entry, tuple(map(id, call.storages)), call.exit, tuple(map(id, call.exit_storages)))
            if same in reproduced:
                continue
            if not replay_matches(edited, call):
                return False
            reproduced.add(same)
        return True
