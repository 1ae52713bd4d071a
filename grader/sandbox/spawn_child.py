"""A spawned child: `python -m grader.sandbox.spawn_child`, one check, then it exits.

The spawn start method's counterpart of the forked child (grader/sandbox/start_method.py): a
fresh interpreter, started ahead of need by grader/sandbox/spawn_sandbox.py, imports torch and
the grader while it waits, then reads ONE job on stdin. Results go up its original
stdout, the learner's printing up its stderr. It confines itself with what the
platform offers (level `none`: descriptors closed, environment scrubbed, resource
limits where they exist, the seccomp filter on Linux), then runs the cases exactly as
grader/sandbox/child.py does in a forked child.
"""

from __future__ import annotations

import os
import signal
import sys

from .start_method import rlimits_available, seccomp_wanted

if not rlimits_available():  # Windows, or GRADER_NO_RLIMIT: before anything imports `resource`
    from . import no_rlimit

    no_rlimit.install()

import torch  # noqa: E402

from . import confine, wire  # noqa: E402
from ..policy.banned import build_spec  # noqa: E402
from .child import (
    CPU_LIMIT_EXIT,
    ChildFailure,
    LinkRefused,
    _display,
    _load_probe,
    _redirect_output,
    _Reporter,
    _run_all,
    disarm_file_readers,
    read_workspace,
)
from ..policy.guard import Guard, LearnerFrames  # noqa: E402

MiB = 1024 * 1024
JOB_CAP = 1 << 34


def confine_portably(spec: dict, res_w: int, n_cases: int) -> None:
    """The `none` level with whatever limits this platform has."""
    limits = spec["limits"]
    confine.close_other_fds({res_w})
    confine.scrub_environment()
    if rlimits_available():
        _set_rlimits(limits, n_cases)
    if hasattr(signal, "SIGXCPU"):
        signal.signal(signal.SIGXCPU, lambda *_: os._exit(CPU_LIMIT_EXIT))
    if seccomp_wanted() and confine.seccomp_available():
        confine.install_seccomp(os.getpid(), writable_scratch=False)
    sys.dont_write_bytecode = True


def _set_rlimits(limits: dict, n_cases: int) -> None:
    import resource

    cpu = max(1, int(limits["cpu_seconds"]))
    wanted = [(resource.RLIMIT_CPU, (cpu, cpu * (n_cases + 1))), (resource.RLIMIT_FSIZE, (MiB, MiB)),
              (resource.RLIMIT_CORE, (0, 0)), (resource.RLIMIT_NOFILE, (256, 256))]
    if sys.platform.startswith("linux"):  # macOS does not enforce an address-space limit
        from .child import _address_space

        room = _address_space() + int(limits["memory_mb"]) * MiB
        wanted.append((resource.RLIMIT_AS, (room, room)))
    for which, value in wanted:
        try:
            resource.setrlimit(which, value)
        except (ValueError, OSError):
            pass


def main() -> None:
    torch.set_num_threads(1)
    from . import parent as sandbox

    sandbox._warm_up()  # torch's lazy first-use costs, paid while waiting for the job
    stdin = sys.stdin.fileno()
    header, raw = wire.read_frame(stdin, JOB_CAP)
    (spec, cases), marker = sandbox.read_job(header, raw), str(header["marker"])
    res_w, out_w = os.dup(1), os.dup(2)
    reporter = _Reporter(res_w, marker)
    try:
        name = spec["module_name"]
        refused = None
        try:
            sources = read_workspace(spec)
        except LinkRefused as exc:
            sources, refused = {}, ChildFailure("import-error", str(exc))
        probe = _load_probe(spec.get("probe_path"))
        from pathlib import Path

        workspace = Path(spec["workspace"]).resolve() if spec.get("workspace") else None
        frames = LearnerFrames([workspace] if workspace else [], [sources[name][0]] if name in sources else [])
        guard = Guard(build_spec(spec["banned"], spec["banned_aten"]), frames, _display(workspace))
        _redirect_output(out_w)
        disarm_file_readers()
        confine_portably(spec, res_w, len(cases))
    except BaseException as exc:
        wire.write_all(res_w, wire.encode({"event": "refused", "message": f"{type(exc).__name__}: {exc}"[:2000]}))
        os._exit(71)
    _run_all(spec, cases, sources, probe, guard, frames, _display(workspace), reporter, refused)
    os._exit(0)


if __name__ == "__main__":
    main()
