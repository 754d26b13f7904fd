"""JSON Schemas (Draft 2020-12) of the YAML files a practice writes; `nervecenter schema` prints them.

Every property has a description so that editors (e.g. VS Code's YAML extension with
`# yaml-language-server: $schema=...`) can complete and explain it. Dates are written as YAML
dates (2026-12-31); nervecenter.core.yamlfile.validate accepts them where a schema says
`"format": "date"`.
"""

from __future__ import annotations

from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://nervecenter.dev/schema/"

_DATE = {"type": "string", "format": "date"}
# `x-hint` (an annotation validators ignore) is what an error message tells the user to do.
_ID = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "minLength": 1,
       "x-hint": "use letters, digits, '-', '_' and '.', starting with a letter or digit"}
_TYPE_NAME = {"type": "string", "minLength": 1}  # found by data/names.py, not a pattern
_STATE = {"type": "string", "pattern": "^[A-Z]{2}$",
          "x-hint": "use a two-letter state code like LA"}
_DAYS = {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1,
         "uniqueItems": True}
ROLES = ["technologist", "reader"]


def _d(description: str, schema: dict) -> dict:
    return {"description": description, **schema}


CHANNEL = _d(
    "Where alerts go: an Apprise URL (mailto://, json://, a file:// outbox...) or one with a stage "
    "filter.",
    {"oneOf": [
        _d("An Apprise (or channel plugin) URL; every stage goes to it.",
           {"type": "string", "minLength": 1}),
        _d("A channel that only gets some stages.", {
            "type": "object", "additionalProperties": False, "required": ["url"],
            "properties": {
                "url": _d("An Apprise (or channel plugin) URL.", {"type": "string", "minLength": 1}),
                "stages": _d("Only these stages (days before the due date) go to this channel, "
                             "e.g. [7, 0] for SMS.", _DAYS),
            }}),
    ]})

_NOTIFY = _d("The channels this recipient hears from NerveCenter through.",
             {"type": "array", "items": CHANNEL})

# The keys every requirement may have. A rule kind (`rule:`) adds its own keys (e.g. `max` of
# concurrent_cases), checked against the rule kind's own schema when the configuration loads.
REQUIREMENT_PROPERTIES: dict[str, Any] = {
    "credential": _d("The credential type required (an id from `nervecenter plugins`).", _ID),
    "any_of": _d("Any one of these credential types satisfies the requirement.",
                 {"type": "array", "items": _ID, "minItems": 2, "uniqueItems": True}),
    "rule": _d("A rule kind from a plugin (e.g. concurrent_cases); its own keys sit beside it.",
               _ID),
    "role": _d("Whom the requirement applies to.",
               {"enum": ["technologist", "reader", "any"], "default": "technologist"}),
    "when": _d("Conditions on case fields (procedure, or any extra column of the schedule); "
               "a list means one of its values. The requirement applies only when all hold.",
               {"type": "object", "additionalProperties": _d(
                   "a value, or a list of values (compared as text with the case's field)",
                   {"oneOf": [{"type": ["string", "number"]},
                              {"type": "array", "items": {"type": ["string", "number"]},
                               "minItems": 1}]})}),
    "max_age_months": _d("The credential must have been issued at most this many months before "
                         "the case.", {"type": "integer", "minimum": 1}),
    "valid_days_after_case": _d("The credential must stay valid this many days after the case.",
                                {"type": "integer", "minimum": 0, "default": 0}),
    "issuers": _d("Accepted issuers, matched against the credential's issuer.",
                  {"type": "array", "items": {"type": "string"}, "minItems": 1}),
    "enforcement": _d("Overrides the facility's enforcement for this requirement.",
                      {"enum": ["block", "warn"]}),
    "accept_grace": _d("Accept a credential inside its type's grace period.",
                       {"type": "boolean", "default": False}),
    "verified": _d("The credential needs a primary source verification dated on or after its "
                   "issue date.", {"type": "boolean", "default": False}),
    "state": _d("For a state-scoped type: the state whose credential is required (default: the "
                "facility's state).", _STATE),
    "facility": _d("For a facility-scoped type: the facility whose credential is required "
                   "(default: the case's facility).", _ID),
}

REQUIREMENT = _d(
    "One rule: exactly one of credential, any_of, rule, and the conditions it adds.",
    {"type": "object", "properties": REQUIREMENT_PROPERTIES, "additionalProperties": False})

_REQUIREMENTS = _d("The requirement rules, checked for every case here.",
                   {"type": "array", "items": REQUIREMENT})

PRACTICE: dict[str, Any] = {
    "$schema": DIALECT, "$id": BASE + "practice.json", "title": "practice.yaml",
    "description": "The practice: its name, time zone, database, alert policy, schedule and "
                   "managers.",
    "type": "object", "additionalProperties": False, "required": ["name", "timezone"],
    "properties": {
        "name": _d("The practice's name, shown in alerts and on the dashboard.",
                   {"type": "string", "minLength": 1}),
        "timezone": _d("IANA time zone of the practice (e.g. America/Chicago): dates are "
                       "calendar dates there.", {"type": "string", "minLength": 1}),
        "database": _d("SQLAlchemy URL; relative sqlite paths are relative to this directory. "
                       "Default sqlite:///.nervecenter/state.db; NERVECENTER_DATABASE_URL "
                       "overrides it.", {"type": "string", "minLength": 1}),
        "documents": _d("The folder of credential documents (scans, PDFs, uploads), relative to "
                        "this directory; no document outside it is recorded or served. Default "
                        "documents.", {"type": "string", "minLength": 1}),
        "base_url": _d("The dashboard's address as its users reach it (https://nc.example.org); "
                       "absolute links, such as calendar feeds, are built from it and never from "
                       "the request's Host header.",
                       {"type": "string", "pattern": "^https?://[^/?#\\s]+(/[^?#\\s]*)?$",
                        "x-hint": "write the address like https://nc.example.org"}),
        "alerts": _d("When and to whom alerts go.", {
            "type": "object", "additionalProperties": False, "properties": {
                "stages": _d("Days before the due date at which a credential alert fires.",
                             {**_DAYS, "default": [90, 60, 30, 7, 0]}),
                "escalate_at": _d("Stages at or below this also go to the managers.",
                                  {"type": "integer", "minimum": 0, "default": 7}),
                "expired_repeat_days": _d("After a lapse, remind the person and the managers "
                                          "every this many days.",
                                          {"type": "integer", "minimum": 1, "default": 7}),
                "case_horizon_days": _d("Cases starting within this many days are checked and "
                                        "alerted.", {"type": "integer", "minimum": 1,
                                                     "default": 30}),
                "retry_attempts": _d("Delivery attempts per channel before giving up.",
                                     {"type": "integer", "minimum": 1, "default": 6}),
                "retry_backoff_seconds": _d("Wait before the first retry; doubles after each.",
                                            {"type": "integer", "minimum": 1, "default": 60}),
            }}),
        "schedule": _d("The daemon's schedule, cron expressions in the practice's time zone.", {
            "type": "object", "additionalProperties": False, "properties": {
                "evaluate": _d("When the daemon evaluates and sends alerts.",
                               {"type": "string", "default": "0 6 * * *"}),
                "digest": _d("When the managers' digest goes out.",
                             {"type": "string", "default": "0 7 * * MON"}),
            }}),
        "managers": _d("People who get escalations and digests; they hold no credentials.", {
            "type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["id", "name"],
                "properties": {
                    "id": _d("A short unique id (used in alert recipients).", _ID),
                    "name": _d("Full name.", {"type": "string", "minLength": 1}),
                    "email": _d("Email address (for the dashboard login, and for "
                                "`contacts.email`).", {"type": "string"}),
                    "phone": _d("Phone number, for `contacts.phone`.", {"type": "string"}),
                    "notify": _NOTIFY,
                }}}),
        "case_values": _d("The values a case field may take (e.g. procedure: [spine, cranial, "
                          "vascular]); any other value in the schedule is an error. Without "
                          "it, a value close to one a rule's when: names is a warning.", {
            "type": "object", "additionalProperties": {
                "type": "array", "minItems": 1, "uniqueItems": True,
                "items": {"type": "string", "minLength": 1}}}),
        "contacts": _d("How to reach someone who has no `notify` of their own: an Apprise URL "
                       "per contact kind, with {email} or {phone} where their address goes.", {
            "type": "object", "additionalProperties": False, "properties": {
                "email": _d("e.g. mailtos://user:pass@smtp.example.com?from=alerts@example.com"
                            "&to={email}", {"type": "string", "minLength": 1}),
                "phone": _d("An SMS service's Apprise URL with {phone}.",
                            {"type": "string", "minLength": 1}),
            }}),
        "sources": _d("Files (relative to this directory) re-imported before every evaluation: "
                      "people.yaml, cases.csv, spreadsheets.",
                      {"type": "array", "items": {"type": "string", "minLength": 1}}),
        "limits": _d("Bounds on what is read.", {
            "type": "object", "additionalProperties": False, "properties": {
                "max_input_mb": _d("The largest input file read, in MB (an XLSX may unpack to "
                                   "4 times it); NERVECENTER_MAX_INPUT_MB overrides it.", {
                                       "type": "number", "exclusiveMinimum": 0, "default": 50})}}),
    },
}

FACILITY: dict[str, Any] = {
    "$schema": DIALECT, "$id": BASE + "facility.json", "title": "facilities/<id>.yaml",
    "description": "A hospital or surgery centre and its requirement rules.",
    "type": "object", "additionalProperties": False, "required": ["id", "name", "state"],
    "properties": {
        "id": _d("A short unique id, used in cases.csv and in facility-scoped credentials.", _ID),
        "name": _d("The facility's name, used in explanations.", {"type": "string",
                                                                  "minLength": 1}),
        "state": _d("Two-letter code of the state it is in (its state's rules apply too).",
                    _STATE),
        "timezone": _d("IANA time zone of case times here (default: the practice's).",
                       {"type": "string", "minLength": 1}),
        "enforcement": _d("What an unmet requirement does to a case: block it, or warn.",
                          {"enum": ["block", "warn"], "default": "block"}),
        "requirements": _REQUIREMENTS,
    },
}

STATE: dict[str, Any] = {
    "$schema": DIALECT, "$id": BASE + "state.json", "title": "states/<code>.yaml",
    "description": "Requirements that apply to every case at a facility in this state.",
    "type": "object", "additionalProperties": False, "required": ["state"],
    "properties": {
        "state": _d("Two-letter state code.", _STATE),
        "requirements": _REQUIREMENTS,
    },
}

# The facts of a credential type that need a source (`sources:` in its YAML).
SOURCED_FACTS = ("validity_months", "expiry", "season_start", "grace_days", "renewal_lead_days",
                 "stages", "continuing_education", "holders")

CREDENTIAL_TYPE: dict[str, Any] = {
    "$schema": DIALECT, "$id": BASE + "credential_type.json",
    "title": "credential_types/<id>.yaml",
    "description": "A kind of credential (a board certification, a card, a licence...).",
    "type": "object", "additionalProperties": False, "required": ["id", "name"],
    "properties": {
        "id": _d("A short unique id used in people.yaml and requirements (e.g. cnim).", _ID),
        "name": _d("Display name (e.g. CNIM).", {"type": "string", "minLength": 1}),
        "aliases": _d("Other names people write for it in spreadsheets, people.yaml and "
                      "`renew` (letter case, spaces, dots, - and _ are ignored).",
                      {"type": "array", "items": {"type": "string", "minLength": 1},
                       "uniqueItems": True}),
        "description": _d("What it is; note here any default a practice should confirm.",
                          {"type": "string"}),
        "issuer": _d("Who issues it (e.g. ABRET, AHA).", {"type": "string"}),
        "scope": _d("person: one per person; state: one per state; facility: one per facility.",
                    {"enum": ["person", "state", "facility"], "default": "person"}),
        "holders": _d("Roles that may hold it.", {"type": "array", "items": {"enum": ROLES},
                                                 "minItems": 1, "uniqueItems": True}),
        "validity_months": _d("How long it is valid after issue; derives `expires` when only "
                              "`issued` is known.", {"type": "integer", "minimum": 1}),
        "expiry": _d("How an expiry is derived from the issue date: exact (the day before the "
                     "same date), end_of_month, end_of_year, season (through the end of the "
                     "season in which it was given; see season_start), never (given once).",
                     {"enum": ["exact", "end_of_month", "end_of_year", "season", "never"],
                      "default": "exact"}),
        "season_start": _d("For expiry: season, the day each season begins, MM-DD "
                           "(default 07-01).",
                           {"type": "string",
                            "pattern": "^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"}),
        "grace_days": _d("Days after expiry during which late renewal is possible; not valid "
                         "for cases unless a requirement says accept_grace.",
                         {"type": "integer", "minimum": 0, "default": 0}),
        "renewal_lead_days": _d("How long a renewal usually takes: the renewal_deadline alert "
                                "fires this many days before the due date.",
                                {"type": "integer", "minimum": 0, "default": 0}),
        "stages": _d("Alert stages for this type, overriding the practice's.", _DAYS),
        "continuing_education": _d("Continuing-education hours needed per period.", {
            "type": "object", "additionalProperties": False,
            "required": ["hours", "period_months"], "properties": {
                "hours": _d("Hours needed per period.", {"type": "number", "minimum": 0}),
                "period_months": _d("The period, in months.", {"type": "integer", "minimum": 1}),
                "limits": _d("Category -> the largest share of the hours it may provide "
                             "(e.g. article: 0.5).",
                             {"type": "object", "additionalProperties":
                              {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}),
                "alert_months": _d("Months before the cycle's end at which a shortfall of "
                                   "hours alerts (ce_shortfall); the managers are told at the "
                                   "last.", {"type": "array", "minItems": 1, "uniqueItems": True,
                                             "items": {"type": "integer", "minimum": 1},
                                             "default": [12, 6, 3]}),
            }}),
        "verify": _d("Where to verify it at the primary source.", {
            "type": "object", "additionalProperties": False, "properties": {
                "url": _d("The issuer's verification page.", {"type": "string",
                                                              "minLength": 1}),
            }}),
        "sources": _d("Where each fact above comes from: fact -> the issuer's page or the "
                      "regulation, \"unconfirmed default\", or \"practice's choice\" / "
                      "\"facility's choice\".", {
                          "type": "object", "additionalProperties": False,
                          "properties": {k: _d(f"Where {k} comes from.",
                                               {"type": "string", "minLength": 1})
                                         for k in SOURCED_FACTS}}),
    },
}

_VERIFIED = _d("A primary source verification: when, by whom, how.", {
    "type": "object", "additionalProperties": False, "required": ["on", "by"], "properties": {
        "on": _d("Date of the verification.", _DATE),
        "by": _d("Who verified it (a manager id or name).", {"type": "string", "minLength": 1}),
        "method": _d("How (e.g. 'ABRET online lookup').", {"type": "string"}),
    }})

CREDENTIAL = _d("One credential the person holds.", {
    "type": "object", "additionalProperties": False, "required": ["type"],
    "properties": {
        "type": _d("Credential type: id, name or alias (`nervecenter plugins`).", _TYPE_NAME),
        "state": _d("For a state-scoped type: the state code.", _STATE),
        "facility": _d("For a facility-scoped type: the facility id.", _ID),
        "number": _d("Certificate, card or licence number, as text: quote it (\"012345\") so "
                     "that leading zeros stay.", {"type": "string"}),
        "issuer": _d("Who issued it.", {"type": "string"}),
        "issued": _d("Issue date.", _DATE),
        "expires": _d("Last valid day; may be left out when `issued` is given (derived from the "
                      "type).", _DATE),
        "status": _d("active; renewal_submitted (renewal in progress); revoked.",
                     {"enum": ["active", "renewal_submitted", "revoked"], "default": "active"}),
        "verified": _VERIFIED,
        "documents": _d("Paths (relative to the configuration directory) of scans or PDFs.",
                        {"type": "array", "items": {"type": "string", "minLength": 1}}),
    }})

CE_ENTRY = _d("Continuing-education hours earned.", {
    "type": "object", "additionalProperties": False,
    "required": ["credential", "date", "hours"], "properties": {
        "credential": _d("The credential type the hours count toward (id, name or alias).",
                         _TYPE_NAME),
        "date": _d("When they were earned.", _DATE),
        "hours": _d("Hours (ASET-CEUs count as hours).", {"type": "number", "exclusiveMinimum": 0}),
        "category": _d("Category, for the type's limits (e.g. conference, article, in_house).",
                       {"type": "string"}),
        "provider": _d("Who provided them (e.g. ASET).", {"type": "string"}),
    }})

PERSON = _d("Someone who holds credentials: a technologist or a reader.", {
    "type": "object", "additionalProperties": False, "required": ["id", "name", "role"],
    "properties": {
        "id": _d("A short unique id, used in cases.csv.", _ID),
        "name": _d("Full name.", {"type": "string", "minLength": 1}),
        "role": _d("technologist, or reader (the supervising neurophysiologist).",
                   {"enum": ROLES}),
        "home_state": _d("Two-letter code of the state they live in.", _STATE),
        "email": _d("Email address.", {"type": "string"}),
        "phone": _d("Phone number, E.164 preferred (+15045550100).", {"type": "string"}),
        "npi": _d("National Provider Identifier (10 digits), matched against exclusion lists.",
                  {"type": "string", "pattern": "^[0-9]{10}$"}),
        "notify": _NOTIFY,
        "active": _d("false once they have left the practice (from the day this is first "
                     "imported; `left` gives the day).", {"type": "boolean", "default": True}),
        "left": _d("The day they left the practice: from then on no alerts, never a backup, "
                   "and a case still assigned to them is blocked (reason inactive).", _DATE),
        "credentials": _d("The credentials they hold.", {"type": "array", "items": CREDENTIAL}),
        "ce": _d("Continuing-education entries.", {"type": "array", "items": CE_ENTRY}),
    }})

PEOPLE: dict[str, Any] = {
    "$schema": DIALECT, "$id": BASE + "people.json", "title": "people.yaml",
    "description": "The roster: people with their credentials and continuing education.",
    "type": "object", "additionalProperties": False, "required": ["people"],
    "properties": {"people": _d("Everyone who holds credentials.",
                                {"type": "array", "items": PERSON})},
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "practice": PRACTICE,
    "facility": FACILITY,
    "state": STATE,
    "credential_type": CREDENTIAL_TYPE,
    "people": PEOPLE,
}
