"""What a solution may import: the allow-list the static scan enforces.

A strict allow-list: torch and its public submodules, math, numpy and a few harmless
standard helpers (time and warnings among them: learners time and warn while debugging), minus the parts that reach around the run-time checks (kernels,
dispatch, processes, files, compiled extensions). A problem can widen or narrow it in its
problem.toml (`[policy] allow_imports / deny_imports`, parsed in grader/course/loader.py).
Banned APIs are not here: they come per problem from the banned list (grader/policy/banned.py).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ALLOWED = frozenset({
    "torch", "math", "numpy", "typing", "functools", "itertools", "collections", "dataclasses",
    "abc", "numbers", "enum", "__future__", "operator", "cmath", "statistics",
    "time", "warnings",  # timing and warning are what learners do while debugging (issue 18)
    "bisect", "heapq",  # pure algorithms on Python lists: a CDF search by hand is a sampler, not a way around a check
})
# Prefixes refused even under an allowed module, and why (the learner reads the reason).
DEFAULT_DENIED: tuple[tuple[str, str], ...] = (
    ("torch.ops", "torch.ops reaches kernels directly"),
    ("torch.overrides", "torch.overrides can switch off the run-time checks"),
    ("torch.library", "torch.library registers kernels"),
    ("torch.classes", "torch.classes loads custom kernels"),
    ("torch.utils", "torch.utils holds dispatch internals, C++ extensions and worker processes"),
    ("torch.multiprocessing", "solutions run in one process"),
    ("torch.distributed", "solutions run in one process"),
    ("torch.hub", "no downloads"),
    ("torch.package", "torch.package imports code from archives"),
    ("torch.jit", "TorchScript runs code (and threads: torch.jit.fork) outside the checks' view"),
    ("torch.compile", "compiled code runs outside the checks' view"),
    ("torch.compiler", "compiled code runs outside the checks' view"),
    ("torch.export", "exported programs load and run code outside the checks' view"),
    ("torch.serialization", "solutions do not read or write files"),
    ("torch.fx", "torch.fx generates and runs code, reaching attributes by name"),
    ("torch.onnx", "solutions do not export models"),
    ("torch.load", "solutions do not read files (torch.load can run pickled code)"),
    ("torch.save", "solutions do not write files"),
    ("torch.from_file", "solutions do not read files"),
    ("numpy.ctypeslib", "numpy.ctypeslib loads C libraries"),
    ("numpy.f2py", "numpy.f2py compiles extensions"),
    ("numpy.distutils", "numpy.distutils compiles extensions"),
    ("numpy.testing", "numpy.testing is test machinery, not a solution's"),
    ("numpy.load", "solutions do not read files (numpy.load can unpickle)"),
    ("numpy.save", "solutions do not write files"),
    ("numpy.fromfile", "solutions do not read files"),
    ("numpy.memmap", "solutions do not read files"),
    ("numpy.lib.npyio", "solutions do not read or write files"),
    ("numpy.lib.format", "solutions do not read or write files (open_memmap, read_array)"),
    ("numpy.lib.stride_tricks", "numpy's as_strided reads and writes memory outside the array"),
    ("numpy.loadtxt", "solutions do not read files"),
    ("numpy.genfromtxt", "solutions do not read files"),
    ("numpy.fromregex", "solutions do not read files"),
    ("numpy.savetxt", "solutions do not write files"),
    ("numpy.savez", "solutions do not write files"),
    ("numpy.savez_compressed", "solutions do not write files"),
    ("numpy.DataSource", "solutions do not read files"),
    ("statistics.NormalDist.samples", "draws from Python's random module, outside any generator"),
    ("typing.get_type_hints", "get_type_hints evaluates annotation strings, like eval"),
    ("functools.singledispatch", "singledispatch evaluates annotation strings, like eval"),
    ("functools.singledispatchmethod", "singledispatchmethod evaluates annotation strings, like eval"),
    ("operator.attrgetter", "attrgetter reaches attributes by name, like getattr"),
    ("operator.methodcaller", "methodcaller reaches methods by name, like getattr"),
    ("functools.update_wrapper", "update_wrapper copies another object's attributes onto your function"),
    ("abc.ABCMeta", "a metaclass builds classes (with any dunder) the checks cannot see"),
    ("enum.EnumMeta", "a metaclass builds classes (with any dunder) the checks cannot see"),
    ("enum.EnumType", "a metaclass builds classes (with any dunder) the checks cannot see"),
    ("dataclasses.make_dataclass", "make_dataclass builds a class (with any dunder) the checks cannot see"),
)
PROBLEM_DENIED = "this problem's policy does not allow it"


def _covers(prefix: str, path: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


@dataclass(frozen=True)
class ImportPolicy:
    """Allowed top-level modules (or dotted prefixes) and denied prefixes with reasons."""

    allow_imports: frozenset[str] = DEFAULT_ALLOWED
    deny_imports: tuple[tuple[str, str], ...] = DEFAULT_DENIED

    def widened(self, allow: list[str], deny: list[str]) -> "ImportPolicy":
        """This policy plus a problem's own allowances and denials (denials win)."""
        return ImportPolicy(self.allow_imports | frozenset(allow),
                            self.deny_imports + tuple((d, PROBLEM_DENIED) for d in deny))

    def denial(self, path: str) -> tuple[str, str] | None:
        """(denied prefix, why) if `path` falls under a denied prefix."""
        for prefix, why in self.deny_imports:
            if _covers(prefix, path):
                return prefix, why
        return None

    def allows_module(self, module: str) -> bool:
        """A module path is allowed if an allowed prefix covers it, no part is private, and
        no denial covers it."""
        if any(part.startswith("_") and not _is_dunder(part) for part in module.split(".")):
            return False
        if not any(_covers(allowed, module) for allowed in self.allow_imports):
            return False
        return self.denial(module) is None

    @property
    def allowed_list(self) -> str:
        return ", ".join(sorted(self.allow_imports))


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


DEFAULT_POLICY = ImportPolicy()
