"""Case field values the rules do not know: `procedure: cranail` would silently escape a rule
`when: {procedure: [cranial]}`. A value close to one a rule's `when:` names is a warning with the
likely value; where practice.yaml lists a field's values (`case_values:`), any other is an error."""

from __future__ import annotations

import difflib

from nervecenter.core.model import Practice


class CaseValues:
    def __init__(self, practice: Practice):
        self.listed = {f: {v.lower(): v for v in values}
                       for f, values in practice.case_values.items()}
        self.named: dict[str, dict[str, str]] = {}  # field -> lowercased value -> as written
        rule_sets = [*practice.facilities.values(), *practice.states.values()]
        for req in (r for rule_set in rule_sets for r in rule_set.requirements):
            for name, values in req.when.items():
                for v in values:
                    self.named.setdefault(name, {}).setdefault(v.lower(), v)
        self._verdicts: dict[tuple[str, str], tuple[str, str] | None] = {}

    def fields(self) -> set[str]:
        return set(self.listed) | set(self.named)

    def judge(self, name: str, value: str | None) -> tuple[str, str] | None:
        """("error" | "warning", message) for a value of case field `name`, or None when fine."""
        if not value:
            return None
        verdict = self._verdicts.get((name, value), False)
        if verdict is False:  # a schedule repeats a few values: difflib once for each
            verdict = self._verdicts[(name, value)] = self._judge(name, value)
        return verdict

    def _judge(self, name: str, value: str) -> tuple[str, str] | None:
        key = value.lower()
        listed = self.listed.get(name)
        if listed is not None:
            if key in listed:
                return None
            close = difflib.get_close_matches(key, list(listed), n=1, cutoff=0.6)
            hint = f"did you mean {listed[close[0]]!r}? " if close else ""
            return "error", (f"{value!r} is not one of the values practice.yaml lists for "
                             f"{name} ({', '.join(listed.values())}); {hint}fix it, or add it "
                             "to case_values")
        named = self.named.get(name, {})
        if key in named:
            return None
        close = difflib.get_close_matches(key, list(named), n=1, cutoff=0.8)
        if close:
            return "warning", (f"{value!r} is not a value any rule's when: names, but "
                               f"{named[close[0]]!r} is: rules for {named[close[0]]!r} cases "
                               "will not apply to it; fix the value if it is a typo")
        return None
