"""Banned APIs, declared once by public name, resolved into what each layer looks for.

A config names `torch.nn.functional.gelu`; from that the static scan gets the dotted
path and the object itself (so `torch._C._nn.gelu`, the same object, is caught too),
and the run-time guard gets the callable for its torch-function mode, the classes whose
construction it intercepts and the aten ops behind the call for its dispatch mode.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from dataclasses import dataclass, field
from types import ModuleType

# Aten ops that a public API reaches but whose names cannot be derived from it.
# Knowledge about torch, not about any problem.
KNOWN_ATEN = {
    "scaled_dot_product_attention": [
        "scaled_dot_product_attention",
        "_scaled_dot_product_flash_attention_for_cpu",
        "_scaled_dot_product_flash_attention",
        "_scaled_dot_product_efficient_attention",
        "_scaled_dot_product_cudnn_attention",
        "_scaled_dot_product_attention_math",
        "_scaled_dot_product_fused_attention_overrideable",
    ],
    "batch_norm": ["_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
                   "_batch_norm_with_update", "_batch_norm_no_update", "batch_norm"],
    "instance_norm": ["instance_norm"],
    "rms_norm": ["rms_norm", "_fused_rms_norm"],
    "layer_norm": ["layer_norm", "native_layer_norm"],
    "group_norm": ["group_norm", "native_group_norm"],
}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def resolve_dotted(path: str):
    """Import `a.b.c` as deep as modules go, then follow attributes. Raises on failure."""
    parts = path.split(".")
    obj = None
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot resolve {path!r}")


@functools.lru_cache(maxsize=1)
def aten_ops_available() -> frozenset[str]:
    """Every aten overload packet torch registers. `dir(torch.ops.aten)` lists only the
    packets touched so far, so a ban derived from it would depend on what ran first."""
    import torch

    registered = torch._C._dispatch_get_all_op_names()
    names = {n.split("::", 1)[1].split(".", 1)[0] for n in registered if n.startswith("aten::")}
    return frozenset(names | set(dir(torch.ops.aten)))


@dataclass
class BannedSpec:
    names: list[str]
    objects: dict[int, str] = field(default_factory=dict)  # id(obj) -> public name
    keep_alive: list = field(default_factory=list)
    module_prefixes: dict[str, str] = field(default_factory=dict)  # dotted module path -> public name
    functions: dict[int, str] = field(default_factory=dict)  # id(callable) -> public name
    classes: dict[type, str] = field(default_factory=dict)
    aten: dict[str, str] = field(default_factory=dict)  # aten overload packet name -> public name
    unresolved: list[str] = field(default_factory=list)

    def public_name_for_object(self, obj) -> str | None:
        return self.objects.get(id(obj))

    def public_name_for_path(self, path: str) -> str | None:
        for prefix, public in self.module_prefixes.items():
            if path == prefix or path.startswith(prefix + "."):
                return public
        return None


def _add_callable(spec: BannedSpec, public: str, obj, derive_aten: bool = True) -> None:
    import torch

    spec.objects[id(obj)] = public
    spec.keep_alive.append(obj)
    if inspect.isclass(obj):
        spec.classes[obj] = public
        base = snake(obj.__name__)
    else:
        spec.functions[id(obj)] = public
        base = getattr(obj, "__name__", "") or ""
        # torch.multinomial is also reachable as the method Tensor.multinomial.
        method = getattr(torch.Tensor, base, None)
        if method is not None and public.startswith("torch.") and public.count(".") == 1:
            spec.functions[id(method)] = public
            spec.objects[id(method)] = public
            spec.keep_alive.append(method)
    if derive_aten:
        _add_aten(spec, public, base)


# Variants of a kernel that compute the same thing: in place (`gelu_`), the backward
# (`gelu_backward`, reached only through the banned forward or torch.ops) and forward
# halves. Overloads (`gelu.out`, `gelu.default`) share their packet's name, so the packet
# covers them all.
ATEN_VARIANT_SUFFIXES = ("", "_", "_backward", "_forward", "_double_backward")
# Where torch keeps the C functions behind its public ones, under the aten op's name
# (`torch._C._nn.gelu`, `torch._C._VariableFunctions.native_layer_norm`).
PRIVATE_KERNEL_NAMESPACES = ("_VariableFunctions", "_nn", "_special", "_linalg", "_fft")


def aten_variants(base: str) -> set[str]:
    """The aten packets that are `base`'s kernel under another name."""
    available = aten_ops_available()
    stems = {base, "native_" + base, "_" + base, "_fused_" + base, base.removesuffix("_forward")}
    stems.update(KNOWN_ATEN.get(base, []))
    return {stem + suffix for stem in stems for suffix in ATEN_VARIANT_SUFFIXES} & available


def _add_aten(spec: BannedSpec, public: str, base: str) -> None:
    if not base:
        return
    ops = aten_variants(base)
    for op in ops:
        spec.aten.setdefault(op, public)
    _add_private_kernels(spec, public, ops)


def _add_private_kernels(spec: BannedSpec, public: str, ops: set[str]) -> None:
    """The torch functions in torch._C that are these kernels, for the torch-function mode."""
    import torch

    for namespace in PRIVATE_KERNEL_NAMESPACES:
        holder = getattr(torch._C, namespace, None)
        for op in ops:
            fn = getattr(holder, op, None)
            if callable(fn) and id(fn) not in spec.functions:
                spec.functions[id(fn)] = public
                spec.objects.setdefault(id(fn), public)
                spec.keep_alive.append(fn)


@functools.lru_cache(maxsize=64)
def _cached_spec(names: tuple, extra_aten: tuple) -> "BannedSpec":
    return _build_spec(list(names), list(extra_aten))


def build_spec(names: list[str], extra_aten: list[str] = ()) -> BannedSpec:
    """Resolve once per process (the zygote's cache is inherited by every child)."""
    return _cached_spec(tuple(names), tuple(extra_aten))


def _build_spec(names: list[str], extra_aten: list[str] = ()) -> BannedSpec:
    spec = BannedSpec(names=list(names))
    for public in names:
        try:
            obj = resolve_dotted(public)
        except (ImportError, AttributeError):
            spec.unresolved.append(public)
            spec.module_prefixes[public] = public
            continue
        if isinstance(obj, ModuleType):
            spec.module_prefixes[public] = public
            spec.objects[id(obj)] = public
            spec.keep_alive.append(obj)
            for attr in dir(obj):
                if attr.startswith("_"):
                    continue
                value = getattr(obj, attr, None)
                if inspect.isclass(value) or inspect.isfunction(value) or inspect.isbuiltin(value):
                    owner = getattr(value, "__module__", "") or ""
                    if owner.startswith(obj.__name__):
                        # Members of a banned module are caught by identity; their aten
                        # ops (uniform, normal...) are shared with allowed code.
                        _add_callable(spec, f"{public}.{attr}", value, derive_aten=False)
        else:
            spec.module_prefixes[public] = public
            _add_callable(spec, public, obj)
    for op in extra_aten:
        spec.aten[op.removeprefix("aten.")] = op
    return spec
