"""Requirement rules and their evaluation: clearance, due dates, conflicts, backups.

Pure functions of a Practice, a Snapshot and a date: no database, no network, no clock.

    evaluation = evaluate(practice, snapshot, on)

A rule kind (`rule: <id>` in a requirement, model.RuleKind) is a plugin's function

    check(requirement, case, person_id, schedule) -> list[(reason, clause)] | None

called once per case and assigned person the requirement applies to. `schedule` is a
`CaseSchedule` (cases_of, overlapping, busy, count_on, people_on; `case_end` gives a case's end).
Each (reason, clause) is a problem: `reason` one of results.REASONS (usually `limit_exceeded`),
`clause` what is wrong, written to follow the person's name ("would have 4 cases at once ...").
"""

from nervecenter.rules.evaluate import evaluate
from nervecenter.rules.results import Evaluation
from nervecenter.rules.schedule import CaseSchedule, case_end

__all__ = ["CaseSchedule", "Evaluation", "case_end", "evaluate"]
