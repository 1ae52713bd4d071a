"""The grader's own error types, at the bottom of the layers so that every module can raise them."""


class CourseError(Exception):
    """A problem or course that cannot be loaded; the message says what to fix."""
