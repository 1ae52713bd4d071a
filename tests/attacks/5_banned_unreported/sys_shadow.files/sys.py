"""A helper module of the learner's (its name is the point)."""

VERSION = 1
