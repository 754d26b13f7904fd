"""Where a person stands with what a facility requires of them on a day: each required
credential, the version on file and the engine's verdict on it (the auditor's credential file).

The verdict is `matching.failure`, the same check clearance makes, for a case on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nervecenter.core.model import Case, Credential, Practice, Requirement, Snapshot
from nervecenter.rules.matching import CredentialIndex, Rulebook, failure


@dataclass(frozen=True)
class Standing:
    type: str  # the credential type; alternatives joined by "/" when none of them is on file
    scope: str | None
    requirement: Requirement
    credential: Credential | None
    status: str  # "valid", "valid (renewal_submitted)", or a reason code (rules.results.REASONS)


def standings(practice: Practice, snapshot: Snapshot, person: str, role: str,
              cases: list[Case], day: date) -> list[Standing]:
    """Every credential requirement that the facility of `cases` (and its state) applies to
    `person` in `role`, judged for a case on `day`. A requirement with `when:` counts when one
    of the person's `cases` matched it. Of two requirements for the same credential, the one it
    fails is shown."""
    rulebook = Rulebook(practice)
    held = CredentialIndex(snapshot.credentials).held.get(person, {})
    found: dict[tuple[str, str | None], Standing] = {}
    for case in cases:
        for rule in rulebook.for_case(case):
            if rule.req.rule or role not in rule.roles:
                continue
            on_file = [(key, held[key], grace) for key, grace in zip(rule.keys, rule.grace)
                       if key in held]
            if not on_file:  # none of the accepted types: one line, all of them missing
                types = "/".join(t for t, _ in rule.keys)
                scope = rule.keys[0][1] if len(rule.keys) == 1 else None
                _keep(found, Standing(types, scope, rule.req, None, "missing"))
            for (type_id, scope), cred, grace in on_file:
                reason = failure(cred, rule.req, day, grace)
                status = reason or ("valid" if cred.status == "active" else f"valid ({cred.status})")
                _keep(found, Standing(type_id, scope, rule.req, cred, status))
    return list(found.values())


def _keep(found: dict, standing: Standing) -> None:
    key = (standing.type, standing.scope)
    if key not in found or (found[key].status.startswith("valid")
                            and not standing.status.startswith("valid")):
        found[key] = standing
