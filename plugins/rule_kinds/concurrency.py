"""The built-in rule kind `concurrent_cases`: a person (usually the remote reader) handles at most
`max` cases at the same moment. Registered through the same hook third-party plugins use."""

from __future__ import annotations

from nervecenter import Case, CaseSchedule, Requirement, RuleKind, case_end, hookimpl

PLUGIN_NAME = "concurrency"


def peak(case: Case, others: list[Case]) -> list[Case]:
    """The cases running at the busiest moment during `case`, itself included, by start."""
    start, end = case.start, case_end(case)
    events = []
    for other in others:
        events.append((max(other.start, start), 1, other))
        events.append((min(case_end(other), end), -1, other))
    events.sort(key=lambda e: (e[0], e[1]))  # at the same moment an end comes before a start
    running: dict[str, Case] = {case.id: case}
    best = dict(running)
    for _, step, other in events:
        if step > 0:
            running[other.id] = other
            if len(running) > len(best):
                best = dict(running)
        else:
            running.pop(other.id, None)
    return sorted(best.values(), key=lambda c: (c.start, c.id))


def check_concurrent_cases(requirement: Requirement, case: Case, person: str,
                           schedule: CaseSchedule) -> list[tuple[str, str]]:
    """`limit_exceeded` when more than `max` of the person's cases run at one moment of this one."""
    limit = requirement.params["max"]
    others = schedule.overlapping(person, case)
    if len(others) < limit:
        return []
    at_once = peak(case, others)
    if len(at_once) <= limit:
        return []
    clause = (f"would have {len(at_once)} cases at once during this case "
              f"({', '.join(c.id for c in at_once)}), more than the limit of {limit}")
    return [("limit_exceeded", clause)]


CONCURRENT_CASES = RuleKind(
    id="concurrent_cases",
    description="At most `max` cases at the same moment for the person of the rule's role "
                "(a case without an end lasts 4 hours).",
    params_schema={"type": "object", "required": ["max"], "additionalProperties": False,
                   "properties": {"max": {"type": "integer", "minimum": 1,
                                          "description": "The most cases the person may have "
                                                         "at one moment."}}},
    check=check_concurrent_cases,
    plugin=PLUGIN_NAME,
    reach_days=0,  # only the cases overlapping the one checked
    reads_date=False,  # the case and the schedule, never the clock
)


@hookimpl
def register_rule_kinds(register):
    register(CONCURRENT_CASES)
