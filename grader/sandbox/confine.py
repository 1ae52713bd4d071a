"""Confinement by the operating system for the process that runs learner code.

Three levels, the strongest this machine allows (or the one a test or an instructor
forces with GRADER_ISOLATION):

- `namespaces`: after fork the child enters fresh user, mount, pid, network and IPC
  namespaces. Its file system is a new root holding only what Python and torch need
  (read-only binds of /usr, /lib..., the Python prefixes and site-packages), with an
  empty tmpfs over the grader's package, the course and the submissions, a fresh /proc
  that shows only the namespace's processes, and a small tmpfs at /tmp, the only
  writable place. No network. When the namespace's first process exits the kernel
  kills the rest: nothing outlives a check.
- `uid`: namespaces refused (Docker's default seccomp profile, Ubuntu's AppArmor rule)
  but running as root: the child drops to an unprivileged uid, and the course, the
  grader and the submissions are made unreadable to it.
- `none`: neither (a learner's own laptop): limits and the filter below only.

At every level, before any learner code runs, the child keeps only its own output
and result pipes open, sets resource limits and `PR_SET_NO_NEW_PRIVS`, and installs a
seccomp filter that refuses new processes and programs, debugging other processes,
signalling anything but itself, sockets, mounts and new namespaces (and, where no
private /tmp exists, creating or changing files). Python has no os.unshare before
3.12: libc is called through ctypes, in grader code only.
"""

from __future__ import annotations

import ctypes
import enum
import errno
import functools
import os
import platform
import signal
import site
import struct
import sys
from dataclasses import dataclass

try:
    import resource
except ImportError:  # Windows: no resource limits (grader/sandbox/start_method.py)
    from . import no_rlimit as resource

MiB = 1024 * 1024


class Isolation(str, enum.Enum):
    NAMESPACES = "namespaces"
    UID = "uid"
    NONE = "none"

    @property
    def rank(self) -> int:
        return {"none": 0, "uid": 1, "namespaces": 2}[self.value]


class ConfinementError(RuntimeError):
    """The child could not be confined as asked: no learner code may run."""


UNPRIVILEGED_UID = 65534  # nobody
CHECK_UID_BASE = 0x7A000000  # per-check uids (uid level): base + the supervisor's pid, owned by no one


def check_uid(supervisor_pid: int) -> int:
    """A uid no other process uses: every process of it can be killed after the check, and no
    other check's child can signal or read this one's."""
    return CHECK_UID_BASE + (supervisor_pid & 0x3FFFFF)


def kill_uid(uid: int) -> None:
    """Every process running as `uid` (the uid level's per-check uid): a throwaway child
    takes the uid and signals everything it may, i.e. everything of that uid."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        except BaseException:
            pass
        os._exit(0)
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:
            continue
        except ChildProcessError:
            return

# ----------------------------------------------------------------------------- libc
def _load_libc():
    """Linux's libc calls, through ctypes. None on macOS and Windows, which lack them:
    there only the spawn start method runs (grader/sandbox/start_method.py), calling none."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        libc.unshare.argtypes = [ctypes.c_int]
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        libc.syscall.restype = ctypes.c_long
    except (AttributeError, OSError, TypeError):
        return None
    return libc


_libc = _load_libc()

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS = 0x40000000, 0x08000000, 0x04000000
CLONE_THREAD = 0x00010000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP = 1, 4, 22
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 36, 38
SECCOMP_MODE_FILTER = 2


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise ConfinementError(f"{what}: {os.strerror(err)}")


def prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def die_with_parent() -> None:
    """SIGKILL when the parent goes: the zygote's death ends its children, and the
    namespace's init dies with the process that made it."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def make_subreaper() -> None:
    """Orphans of the zygote's children come back to it, so it can reap and kill them."""
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def protect_from_same_user() -> None:
    """A non-dumpable process's /proc/<pid>/mem, fd/ and environ are closed to other
    processes of the same user: a child that escaped its namespaces, or ran without
    them, cannot read the grader's memory or write to its descriptors."""
    try:
        prctl(PR_SET_DUMPABLE, 0)
    except ConfinementError:
        pass


# ----------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Plan:
    """What the child may see: read-only binds, hidden paths, and its scratch size."""

    level: Isolation
    hidden: tuple[str, ...]  # course roots, grader package, workspace, gradebook...
    scratch_mb: int = 64

    def binds(self) -> list[str]:
        return _binds(self.hidden)


def _real(path: str) -> str:
    return os.path.realpath(path)


@functools.lru_cache(maxsize=4096)
def _resolved(path: str) -> str:
    """realpath of a path of the Python installation (a prefix, an entry of sys.path, a
    shared library): resolved once in the zygote (warm_binds) and inherited by every
    supervisor and child, instead of some 2,000 stat calls in each child before it is
    confined. Never used for a hidden path: those are resolved afresh for each check."""
    return _real(path)


def warm_binds() -> None:
    """In the zygote, once: resolve what every child's Plan.binds() reads (the libraries
    torch mapped, sys.path), so that a child only looks them up."""
    _binds(())


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


@functools.lru_cache(maxsize=8)
def _binds(hidden: tuple[str, ...]) -> list[str]:
    """Directories the new root needs, outermost first, none of them holding a hidden
    path unless it is a Python prefix (then the hidden path is covered afterwards)."""
    prefixes = {_resolved(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    wanted = set(prefixes)
    for p in ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/opt/conda"):
        if os.path.isdir(p) and not os.path.islink(p):
            wanted.add(p)
    site_dirs = list(site.getsitepackages()) + [site.getusersitepackages()]
    for entry in [*sys.path, *site_dirs]:
        real = _resolved(entry) if entry else ""
        if not real or not os.path.isdir(real):
            continue
        if any(_inside(real, p) for p in prefixes) or "-packages" in real:
            wanted.add(real)
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].startswith("/") and ".so" in parts[5]:
                    wanted.add(os.path.dirname(_resolved(parts[5].strip())))
    except OSError:
        pass
    hidden_real = [_real(h) for h in hidden]
    keep = []
    for path in sorted(wanted, key=len):
        if any(_inside(path, k) for k in keep):
            continue  # already inside a bind
        if any(_inside(h, path) for h in hidden_real) and path not in prefixes and "-packages" not in path:
            continue  # e.g. an editable install's project root on sys.path: the course itself
        if any(_inside(path, h) for h in hidden_real) and not any(_inside(path, p) for p in prefixes):
            continue
        keep.append(path)
    return keep


# ----------------------------------------------------------------------------- namespaces
def enter_namespaces() -> None:
    """In a freshly forked, single-threaded child: new user, mount, pid, net, IPC and
    UTS namespaces, with our own uid and gid mapped to root inside. The pid namespace
    takes effect for this process's next child, which becomes its init."""
    uid, gid = os.getuid(), os.getgid()
    try:
        prctl(PR_SET_DUMPABLE, 1)  # a non-dumpable process cannot write its own uid_map
    except ConfinementError:
        pass
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")
    # The new UTS namespace starts with the machine's name (/proc/sys/kernel/hostname,
    # os.uname()): the child gets a name that says nothing about where it runs.
    _libc.sethostname(b"sandbox", 7)


def _write(path: str, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    except OSError as exc:
        raise ConfinementError(f"writing {path}: {exc.strerror}") from None


def build_root(plan: Plan) -> None:
    """As init of the new namespaces: a fresh root file system, see the module doc."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = _new_root_dir(plan)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    # The scratch first, the binds after: a Python environment that lives in the
    # temporary directory (a venv under /tmp) is bound on top of the scratch, never
    # hidden by it, so what torch imports lazily after confinement is still there.
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
          f"size={int(plan.scratch_mb)}m,nr_inodes=4096,mode=1777")
    for path in plan.binds():
        _bind(path, root + path, read_only=True)
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf"):
        if os.path.isfile(path):
            _bind(path, root + path, read_only=True, is_file=True)
    for link in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.islink(link) and not os.path.lexists(root + link):
            os.symlink(os.readlink(link), root + link)
    os.makedirs(root + "/dev", exist_ok=True)
    for dev in ("null", "zero", "full", "random", "urandom"):
        if os.path.exists("/dev/" + dev):
            _bind("/dev/" + dev, f"{root}/dev/{dev}", read_only=False, is_file=True)
    for link, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{link}")
    for path in plan.hidden:
        real = _real(path)
        if os.path.isdir(root + real):
            mount("tmpfs", root + real, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000")
    os.makedirs(root + "/proc", exist_ok=True)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(root + "/dev/shm", exist_ok=True)
    mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,nr_inodes=64,mode=1777")
    mount(None, root, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(root)
    _check(_libc.syscall(_SYSCALLS["pivot_root"], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "detaching the old root")
    os.chdir("/tmp")


def _new_root_dir(plan: Plan) -> str:
    """An existing directory to mount the new root's tmpfs on, in this private mount
    namespace, that shadows nothing the new root takes from the old one."""
    sources = plan.binds() + ["/etc", "/dev"]
    for candidate in ("/mnt", "/media", "/srv", "/tmp", "/var/tmp"):
        if os.path.isdir(candidate) and not os.path.islink(candidate) \
                and not any(_inside(s, candidate) for s in sources):
            return candidate
    raise ConfinementError("no directory to build the new root on")


def _bind(source: str, target: str, read_only: bool, is_file: bool = False) -> None:
    if is_file:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    else:
        os.makedirs(target, exist_ok=True)
    mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | _locked_flags(source)
        try:
            mount(None, target, None, flags)
        except ConfinementError:
            mount(None, target, None, flags | MS_NODEV)


def _locked_flags(path: str) -> int:
    """Flags the kernel will not let a user namespace clear on a remount."""
    st = os.statvfs(path)
    flags = 0
    for bit, ms in ((os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOSUID, MS_NOSUID)):
        if st.f_flag & bit:
            flags |= ms
    return flags


# ----------------------------------------------------------------------------- uid level
def protect_paths(paths) -> None:
    """For the uid level: the grader (root) makes hidden directories unreadable to others,
    so the unprivileged child cannot list or read them."""
    for path in paths:
        try:
            st = os.stat(path)
            if os.path.isdir(path) and st.st_mode & 0o077:
                os.chmod(path, st.st_mode & ~0o077)
        except OSError:
            pass


def drop_uid(uid: int = UNPRIVILEGED_UID) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


# ----------------------------------------------------------------------------- common
def close_other_fds(keep: set[int]) -> None:
    """Every inherited descriptor but stdin/out/err and `keep`: nothing shared between
    zygote and parent stays reachable."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


KEPT_ENVIRONMENT = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def scrub_environment() -> None:
    """The grader's environment may hold an instructor's tokens and paths: the learner's
    code sees only what a computation could need (and HOME is the scratch)."""
    for key in list(os.environ):
        if key not in KEPT_ENVIRONMENT:
            del os.environ[key]
    os.environ["HOME"] = "/tmp"


def set_limits(cpu_seconds: int, total_cpu_seconds: int, address_space: int, file_bytes: int,
               max_processes: int | None) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, max(cpu_seconds, total_cpu_seconds)))
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    if max_processes is not None:
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
        except (ValueError, OSError):
            pass


def drop_capabilities() -> None:
    """No capability left, even as root of the user namespace: no remount, no unmount."""
    header = struct.pack("II", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    hdr = ctypes.create_string_buffer(header)
    if _libc.capset(hdr, data) != 0:
        raise ConfinementError(f"capset: {os.strerror(ctypes.get_errno())}")


# ----------------------------------------------------------------------------- seccomp
_ARCH = platform.machine()
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(_ARCH)
_SYSCALLS = {
    "x86_64": dict(fork=57, vfork=58, clone=56, clone3=435, execve=59, execveat=322, ptrace=101,
                   process_vm_readv=310, process_vm_writev=311, mount=165, umount2=166, pivot_root=155,
                   unshare=272, setns=308, chroot=161, mount_setattr=442, move_mount=429, open_tree=428,
                   fsopen=430, fsconfig=431, fsmount=432, fspick=433, socket=41, bpf=321, perf_event_open=298,
                   socketpair=53, keyctl=250, add_key=248, request_key=249, userfaultfd=323, io_uring_setup=425,
                   io_uring_enter=426, io_uring_register=427, kexec_load=246, kexec_file_load=320,
                   init_module=175, finit_module=313, delete_module=176, pidfd_open=434, pidfd_getfd=438,
                   pidfd_send_signal=424, open_by_handle_at=304, name_to_handle_at=303, kill=62, tkill=200,
                   tgkill=234, rt_sigqueueinfo=129, rt_tgsigqueueinfo=297, setpriority=141, prctl=157,
                   open=2, openat=257, openat2=437, creat=85, link=86, linkat=265, symlink=88, symlinkat=266,
                   rename=82, renameat=264, renameat2=316, unlink=87, unlinkat=263, mkdir=83, mkdirat=258,
                   mknod=133, mknodat=259, truncate=76, chmod=90, fchmodat=268, chown=92, fchownat=260,
                   lchown=94, rmdir=84, setsid=112, setpgid=109, prlimit64=302, shmget=29, shmat=30,
                   shmctl=31, shmdt=67, semget=64, semop=65, semctl=66, semtimedop=220, msgget=68, msgsnd=69,
                   msgrcv=70, msgctl=71, mq_open=240, mq_unlink=241, mq_timedsend=242, mq_timedreceive=243,
                   mq_notify=244, mq_getsetattr=245, memfd_create=319, memfd_secret=447),
    "aarch64": dict(clone=220, clone3=435, execve=221, execveat=281, ptrace=117, process_vm_readv=270,
                    process_vm_writev=271, mount=40, umount2=39, pivot_root=41, unshare=97, setns=268, chroot=51,
                    mount_setattr=442, move_mount=429, open_tree=428, fsopen=430, fsconfig=431, fsmount=432,
                    fspick=433, socket=198, socketpair=199, bpf=280, perf_event_open=241, keyctl=219, add_key=217,
                    request_key=218, userfaultfd=282, io_uring_setup=425, io_uring_enter=426,
                    io_uring_register=427, kexec_load=104, kexec_file_load=294, init_module=105,
                    finit_module=273, delete_module=106, pidfd_open=434, pidfd_getfd=438,
                    pidfd_send_signal=424, open_by_handle_at=265, name_to_handle_at=264, kill=129, tkill=130,
                    tgkill=131, rt_sigqueueinfo=138, rt_tgsigqueueinfo=240, setpriority=140, prctl=167,
                    openat=56, openat2=437, linkat=37, symlinkat=36, renameat=38, renameat2=276, unlinkat=35,
                    mkdirat=34, mknodat=33, truncate=45, fchmodat=53, fchownat=54, setsid=157, setpgid=154,
                    prlimit64=261, shmget=194, shmctl=195, shmat=196, shmdt=197, semget=190, semctl=191,
                    semtimedop=192, semop=193, msgget=186, msgctl=187, msgrcv=188, msgsnd=189, mq_open=180,
                    mq_unlink=181, mq_timedsend=182, mq_timedreceive=183, mq_notify=184, mq_getsetattr=185,
                    memfd_create=279, memfd_secret=447),
}.get(_ARCH, {})

REFUSED_ALWAYS = (
    "fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2",
    "pivot_root", "unshare", "setns", "chroot", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "socket",
    # socketpair too: a datagram socket of a pair sends to any address (sendto), an abstract name
    # of the host's network namespace (shared at the uid level) or a socket file (journald, syslog).
    "socketpair", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load", "init_module",
    "finit_module", "delete_module", "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "open_by_handle_at",
    "name_to_handle_at", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setpriority",
    # No leaving the process group the supervisor kills, at any level.
    "setsid", "setpgid",
    # No System V or POSIX IPC: at the uid level every child shares one IPC namespace, and a
    # segment or queue left behind would carry data from one run (or learner) to the next.
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl", "semtimedop", "msgget", "msgsnd", "msgrcv",
    "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # No anonymous files: a memfd is memory outside the address-space limit (up to the open-file
    # limit's worth of them), and a solution has no file to make.
    "memfd_create", "memfd_secret",
)
# Where no private scratch exists: nothing may be created, linked, renamed or changed.
REFUSED_WITHOUT_SCRATCH = (
    "creat", "link", "linkat", "symlink", "symlinkat", "rename", "renameat", "renameat2", "unlink", "unlinkat",
    "mkdir", "mkdirat", "mknod", "mknodat", "truncate", "chmod", "fchmodat", "chown", "fchownat", "lchown", "rmdir",
    "openat2",
)
O_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
PR_SET_PDEATHSIG_OPT, PR_SET_DUMPABLE_OPT = 1, 4


def seccomp_available() -> bool:
    return _AUDIT_ARCH is not None and bool(_SYSCALLS)


def install_seccomp(own_pid: int, writable_scratch: bool, allow_threads: bool = False) -> None:
    """A classic BPF filter (no libseccomp): refused calls fail with EPERM, so learner
    code sees an ordinary PermissionError, and clone3 with ENOSYS so libc falls back to
    clone, whose flags a filter can read."""
    prog = _filter(own_pid, writable_scratch, allow_threads)
    prctl(PR_SET_NO_NEW_PRIVS, 1)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(prog)
    fprog = SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0), "seccomp")


def _filter(own_pid: int, writable_scratch: bool, allow_threads: bool) -> bytes:
    LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, KILL = 0x7FFF0000, 0x80000000
    EPERM, ENOSYS = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    nr = _SYSCALLS
    ins: list[tuple[int, int, int, int]] = []

    def op(code, k=0, jt=0, jf=0):
        ins.append((code, jt, jf, k))

    # Each rule: (syscall, checks) compiled into "if nr == X: <body>" blocks.
    op(LD, 4)  # arch
    op(JEQ, _AUDIT_ARCH, 1, 0)
    op(RET, KILL)
    op(LD, 0)  # syscall number
    if _ARCH == "x86_64":
        op(JGE, 0x40000000, 0, 1)  # the x32 ABI
        op(RET, EPERM)
    refused = [n for n in REFUSED_ALWAYS if n in nr]
    if not writable_scratch:
        refused += [n for n in REFUSED_WITHOUT_SCRATCH if n in nr]
    for name in refused:
        op(JEQ, nr[name], 0, 1)
        op(RET, EPERM)
    op(JEQ, nr["clone3"], 0, 1)
    op(RET, ENOSYS)
    # clone: threads (CLONE_THREAD) only, and only when allowed.
    op(JEQ, nr["clone"], 0, 4 if allow_threads else 1)
    if allow_threads:
        op(LD, 16)
        op(JSET, CLONE_THREAD, 0, 1)
        op(RET, ALLOW)
    op(RET, EPERM)
    # kill / tgkill: only this process (pid 1 in its namespace).
    for name in ("kill", "tgkill"):
        op(JEQ, nr[name], 0, 4)
        op(LD, 16)
        op(JEQ, own_pid, 0, 1)
        op(RET, ALLOW)
        op(RET, EPERM)
    # prlimit64: only on this process (pid 0 or its own): no limit read or changed on another child.
    op(JEQ, nr["prlimit64"], 0, 5)
    op(LD, 16)
    op(JEQ, 0, 2, 0)
    op(JEQ, own_pid, 1, 0)
    op(RET, EPERM)
    op(RET, ALLOW)
    # prctl: no undoing of the parent-death signal or of dumpability.
    op(JEQ, nr["prctl"], 0, 5)
    op(LD, 16)
    op(JEQ, PR_SET_PDEATHSIG_OPT, 2, 0)
    op(JEQ, PR_SET_DUMPABLE_OPT, 1, 0)
    op(RET, ALLOW)
    op(RET, EPERM)
    if not writable_scratch:
        # open/openat for writing or creating: refused; reading is the rule.
        for name, flag_offset in (("open", 24), ("openat", 32)):
            if name not in nr:
                continue
            op(JEQ, nr[name], 0, 4)
            op(LD, flag_offset)
            op(JSET, O_WRITING, 0, 1)
            op(RET, EPERM)
            op(RET, ALLOW)
    op(RET, ALLOW)
    return b"".join(struct.pack("HBBI", *i) for i in ins)


# ----------------------------------------------------------------------------- probing
def wanted_level() -> Isolation | None:
    """GRADER_ISOLATION=namespaces|uid|none forces a level (tests, instructors)."""
    value = os.environ.get("GRADER_ISOLATION", "").strip().lower()
    if not value or value == "auto":
        return None
    try:
        return Isolation(value)
    except ValueError:
        raise ConfinementError(f"GRADER_ISOLATION={value!r}: use namespaces, uid, none or auto") from None


def namespaces_work() -> bool:
    """Fork a throwaway child that tries the whole namespace set-up (a few ms, once)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            enter_namespaces()
            inner = os.fork()
            if inner == 0:
                ok = 1
                try:
                    mount(None, "/", None, MS_REC | MS_PRIVATE)
                    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k")
                    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
                    ok = 0
                finally:
                    os._exit(ok)
            _, status = os.waitpid(inner, 0)
            code = 0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def best_level() -> Isolation:
    if sys.platform == "linux" and namespaces_work():
        return Isolation.NAMESPACES
    if sys.platform == "linux" and os.geteuid() == 0:
        return Isolation.UID
    return Isolation.NONE


def choose_level() -> Isolation:
    """The level to use: the forced one if it works here, else the best available."""
    forced = wanted_level()
    best = best_level()
    if forced is None:
        return best
    if forced.rank > best.rank:
        raise ConfinementError(f"GRADER_ISOLATION={forced.value} is not available here (best: {best.value})")
    return forced


# ----------------------------------------------------------------------------- landlock
# Where there is no private root (the uid and none levels), the kernel's Landlock LSM
# (Linux >= 5.13, unprivileged) keeps the child's reads to what Python and torch need:
# the Python prefixes, site-packages and system libraries (the same list the namespaces
# level binds), a few files of /etc and /dev, and its own /proc entry. Everything else on
# the machine (a course checkout elsewhere, another learner's folder, the grader's
# /proc/<pid>/cmdline with `--seed`) is refused by the kernel, whoever owns it.
_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}.get(_ARCH)
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_ALL_V1 = (1 << 13) - 1  # execute .. make_sym: everything Landlock ABI 1 can restrict
LL_REFER, LL_TRUNCATE = 1 << 13, 1 << 14
LL_FILE_RIGHTS = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE
READABLE_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
                  "/proc/cpuinfo", "/proc/meminfo", "/proc/stat")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers, 0 when none (or seccomp refuses it)."""
    if _LANDLOCK is None or sys.platform != "linux":
        return 0
    version = _libc.syscall(_LANDLOCK[0], None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(0, int(version))


def restrict_reads(readable_dirs: list[str]) -> bool:
    """Confine this process's file system access with Landlock: read (and map, execute)
    only under `readable_dirs`, the files above and its own /proc entry; write nothing but
    the devices. False when the kernel has no Landlock (the uid and seccomp walls stand)."""
    abi = landlock_abi()
    if abi < 1:
        return False
    handled = LL_ALL_V1 | (LL_REFER if abi >= 2 else 0) | (LL_TRUNCATE if abi >= 3 else 0)
    attr = struct.pack("Q", handled)
    ruleset = _libc.syscall(_LANDLOCK[0], attr, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise ConfinementError(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        read_dir = LL_READ_FILE | LL_READ_DIR | LL_EXECUTE
        rules = [(d, read_dir) for d in readable_dirs] + [(f, LL_READ_FILE) for f in READABLE_FILES]
        rules += [(d, LL_READ_FILE | LL_WRITE_FILE) for d in DEVICES] + [("/proc/self", LL_READ_FILE | LL_READ_DIR)]
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= LL_FILE_RIGHTS
                rule = struct.pack("=Qi", access & handled, fd)
                if _libc.syscall(_LANDLOCK[1], ctypes.c_int(ruleset), ctypes.c_int(1), rule, ctypes.c_uint32(0)) != 0:
                    raise ConfinementError(f"landlock_add_rule {path}: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(fd)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        if _libc.syscall(_LANDLOCK[2], ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise ConfinementError(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return True
