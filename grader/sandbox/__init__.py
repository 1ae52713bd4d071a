"""Running untrusted code: the zygote and its jobs (parent.py), the confined child
(child.py), confinement by the kernel (confine.py), the frames on the pipes (wire.py),
the fresh-interpreter zygote (zygote.py), and what happened to a case (status.py).

May import: the policy wing (the guard and banned APIs run inside the child).
Must never: import the course, a reference or anything above (a forked child could
reach what its parent imported), or trust anything the child sends back. It is the
only wing that starts a process (import-linter forbids subprocess and multiprocessing
elsewhere; tests/test_layout.py forbids os.fork and friends)."""
