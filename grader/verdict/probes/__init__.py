"""Probes the grader itself provides (loaded by path inside the sandbox child)."""
