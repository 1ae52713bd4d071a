"""Where a wrong output goes wrong (being written)."""


def localise_report(course, problem, report, cases, values, **kwargs) -> None:
    return None
