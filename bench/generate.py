"""A seeded synthetic IONM practice, written in the formats users write.

    python bench/generate.py --people 5000 --out /tmp/practice [--seed 7] [--as-of 2026-12-01]

or from Python: `generate(out_dir, people=5000, seed=7) -> dict` (the sizes written).

The same seed and size always give byte-identical files. The shape follows what a large IONM
company looks like: about one reader per twelve people, technologists privileged at two to four
facilities mostly in their home state, readers licensed in several states and privileged at many
facilities; about twelve credentials per person; expiries spread so that about 10% fall within 90
days of the as-of date and about 2% have lapsed; four cases per person over the next 90 days,
clustered at morning starts on weekdays, so readers overlap.

Files written (the formats of docs/configuration.md and docs/data.md):
  practice.yaml, facilities/<id>.yaml, states/<code>.yaml, people.yaml (the roster with
  credentials, verifications and CE), cases.csv (the schedule), and credentials.csv: the same
  credentials in the one-row-per-credential spreadsheet layout, for the CSV import path.
Every channel is a file:// URL (nothing listens).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nervecenter.core.dates import add_months, derive_expiry

AS_OF = date(2026, 12, 1)
HORIZON_DAYS = 90

# type id -> (validity months, expiry rule, issuer), as the ionm plugin's types define them
# (its credential_types/ionm/<id>.yaml; the table in docs/configuration.md, "The built-in types").
# The facility-health validities are the common practice (annual items, background check 5 years).
TYPES = {
    "cnim": (60, "end_of_year", "ABRET"),
    "r_eeg_t": (60, "end_of_year", "ABRET"),
    "r_ep_t": (60, "end_of_year", "ABRET"),
    "cltm": (60, "end_of_year", "ABRET"),
    "d_abnm": (120, "exact", "ABNM"),
    "bls": (24, "end_of_month", "AHA"),
    "acls": (24, "end_of_month", "AHA"),
    "pals": (24, "end_of_month", "AHA"),
    "state_license": (24, "exact", None),
    "facility_privileges": (24, "exact", None),
    "tb_screening": (12, "exact", "Employee Health"),
    "influenza_vaccine": (12, "exact", "Employee Health"),
    "respirator_fit_test": (12, "exact", "Employee Health"),
    "background_check": (60, "exact", "Sterling"),
    "hipaa_training": (12, "exact", "Compliance Office"),
}
HEALTH = ("tb_screening", "influenza_vaccine", "respirator_fit_test", "background_check",
          "hipaa_training")
NUMBER_PREFIX = {"cnim": "CNIM", "r_eeg_t": "REEGT", "r_ep_t": "REPT", "cltm": "CLTM",
                 "d_abnm": "DABNM", "bls": "BLS", "acls": "ACLS", "pals": "PALS"}

# state code -> (time zone, share of the practice's work, name)
STATES = {
    "LA": ("America/Chicago", 14, "Louisiana"),
    "TX": ("America/Chicago", 20, "Texas"),
    "FL": ("America/New_York", 14, "Florida"),
    "GA": ("America/New_York", 8, "Georgia"),
    "NY": ("America/New_York", 10, "New York"),
    "IL": ("America/Chicago", 8, "Illinois"),
    "CO": ("America/Denver", 6, "Colorado"),
    "AZ": ("America/Phoenix", 6, "Arizona"),
    "CA": ("America/Los_Angeles", 10, "California"),
    "WA": ("America/Los_Angeles", 4, "Washington"),
}
PROCEDURES = (("spine", 45), ("cranial", 15), ("vascular", 10), ("ent", 10),
              ("orthopedic", 10), ("pediatric", 10))
STARTS = (("07:00", 15), ("07:30", 35), ("08:00", 20), ("10:00", 10), ("12:30", 12),
          ("13:00", 8))

FIRST = ["Jordan", "Avery", "Casey", "Dana", "Emery", "Finley", "Harper", "Jesse", "Kendall",
         "Logan", "Morgan", "Parker", "Quinn", "Reese", "Riley", "Rowan", "Sage", "Skyler",
         "Taylor", "Alex", "Blake", "Cameron", "Drew", "Elliot", "Hayden", "Jamie", "Kai", "Lee",
         "Marley", "Noel", "Oakley", "Peyton", "Remy", "Sawyer", "Tatum"]
LAST = ["Price", "Nguyen", "Okafor", "Adams", "Baptiste", "Castillo", "Dubois", "Ellison",
        "Fontenot", "Garcia", "Hebert", "Ibarra", "Jackson", "Kowalski", "Landry", "Martinez",
        "Navarro", "Olsen", "Patel", "Quintero", "Robichaux", "Singh", "Thibodeaux", "Umana",
        "Vasquez", "Washington", "Xu", "Yamamoto", "Zeller", "Boudreaux", "Chen", "Delacroix",
        "Estrada", "Fischer", "Guidry"]
PLACES = ["Mercy", "Baptist", "Memorial", "Trinity", "Providence", "Riverside", "Lakeside",
          "St. Mary", "Regional", "University", "Summit", "Sacred Heart", "Children's",
          "Methodist", "Presbyterian", "Good Samaritan", "Valley", "Northshore", "Westbank",
          "Eastside", "Highland", "Parkview"]
KINDS = ("Medical Center", "Hospital", "Surgery Center", "Spine Institute", "Health System")


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _q(value) -> str:
    """A YAML scalar as a person writes it: identifiers plain, other strings double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, int, float)):
        return value.isoformat() if isinstance(value, date) else str(value)
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def _flow(mapping: dict) -> str:
    parts = []
    for key, value in mapping.items():
        key = _q(key)  # `on` would be a boolean to a YAML 1.1 reader such as PyYAML
        if isinstance(value, dict):
            parts.append(f"{key}: {_flow(value)}")
        elif isinstance(value, (list, tuple)):
            parts.append(f"{key}: [{', '.join(_q(v) for v in value)}]")
        else:
            parts.append(f"{key}: {_q(value)}")
    return "{" + ", ".join(parts) + "}"


class _Practice:
    """The generator's state: one random stream, consumed in a fixed order."""

    def __init__(self, people: int, seed: int, as_of: date):
        self.rng = random.Random(seed)
        self.n = people
        self.as_of = as_of
        self.categories = {"lapsed": 0, "due_within_90": 0, "later": 0}

    # ------------------------------------------------------------------ facilities and states

    def facilities(self) -> list[dict]:
        rng = self.rng
        count = max(len(STATES), round(self.n * 0.06))
        codes = list(STATES)
        weights = [STATES[c][1] for c in codes]
        # every state gets at least one facility; the rest follow the states' shares
        states = codes + rng.choices(codes, weights, k=count - len(codes))
        states.sort(key=codes.index)
        result, per_state = [], {}
        for code in states:
            per_state[code] = per_state.get(code, 0) + 1
            fid = f"{code.lower()}-{per_state[code]:04d}"
            tz = STATES[code][0]
            if code == "TX" and rng.random() < 0.08:
                tz = "America/Denver"  # El Paso keeps Mountain time
            name = f"{rng.choice(PLACES)} {rng.choice(KINDS)} {fid.upper()}"
            result.append({"id": fid, "name": name, "state": code, "timezone": tz,
                           "enforcement": "warn" if rng.random() < 0.15 else "block",
                           "health": sorted(rng.sample(HEALTH, _weighted(rng, ((1, 25), (2, 35), (3, 28), (4, 12)))))})
        for f in result:
            f["requirements"] = self._requirements(f)
        return result

    def _requirements(self, f: dict) -> list[dict]:
        rng = self.rng
        reqs: list[dict] = [{"credential": "facility_privileges"}]
        if rng.random() < 0.8:
            reqs.append({"credential": "facility_privileges", "role": "reader"})
        bls: dict = {"credential": "bls"}
        if rng.random() < 0.2:
            bls["max_age_months"] = 12
        if rng.random() < 0.10:
            bls["issuers"] = ["AHA"]
        reqs.append(bls)
        roll = rng.random()
        if roll < 0.40:
            reqs.append({"any_of": ["cnim", "r_ep_t"]})
        elif roll < 0.85:
            cert: dict = {"credential": "cnim"}
            if rng.random() < 0.2:
                cert["accept_grace"] = True
            reqs.append(cert)
        if rng.random() < 0.6:
            reqs.append({"credential": "acls", "when": {"procedure": ["cranial", "vascular"]}})
        if rng.random() < 0.5:
            reqs.append({"credential": "pals", "when": {"procedure": ["pediatric"]}})
        if rng.random() < 0.7:
            reader: dict = {"credential": "d_abnm", "role": "reader"}
            if rng.random() < 0.3:
                reader["verified"] = True
            reqs.append(reader)
        if rng.random() < 0.4:
            reqs.append({"credential": "state_license", "role": "reader",
                         "valid_days_after_case": 30})
        roll = rng.random()
        if roll < 0.6:
            reqs.append({"rule": "concurrent_cases", "role": "reader", "max": 3})
        elif roll < 0.75:
            reqs.append({"rule": "concurrent_cases", "role": "reader", "max": 2})
        for item in f["health"]:
            req: dict = {"credential": item}
            if item == "tb_screening" and rng.random() < 0.5:
                req["max_age_months"] = 12
            if item == "influenza_vaccine" and rng.random() < 0.5:
                req["enforcement"] = "warn"
            reqs.append(req)
        return reqs

    def state_rules(self) -> dict[str, list[dict]]:
        rules = {
            "LA": [{"credential": "state_license", "role": "reader", "valid_days_after_case": 30}],
            "TX": [{"credential": "state_license", "role": "reader"}],
            "FL": [{"credential": "state_license", "role": "reader", "verified": True}],
            "NY": [{"credential": "state_license", "role": "reader"},
                   {"credential": "hipaa_training", "role": "technologist",
                    "enforcement": "warn"}],
            "CA": [{"credential": "state_license", "role": "reader", "valid_days_after_case": 30}],
            "IL": [{"credential": "state_license", "role": "reader"}],
            "WA": [{"credential": "state_license", "role": "reader", "enforcement": "warn"}],
        }
        return rules  # GA, CO, AZ add nothing of their own

    # ------------------------------------------------------------------ credentials

    def _category(self) -> str:
        roll = self.rng.random()
        cat = "lapsed" if roll < 0.02 else "due_within_90" if roll < 0.12 else "later"
        self.categories[cat] += 1
        return cat

    def _dates(self, type_id: str) -> tuple[date, date]:
        """(issued, expires) of a credential whose expiry falls in a random category."""
        rng, as_of = self.rng, self.as_of
        months, rule, _ = TYPES[type_id]
        cat = self._category()
        if rule == "end_of_year":  # ABRET: everything ends on December 31
            year = {"lapsed": as_of.year - 1, "due_within_90": as_of.year,
                    "later": as_of.year + rng.randint(1, months // 12 - 1)}[cat]
            issued = date(year - months // 12, rng.randint(1, 12), rng.randint(1, 28))
            return issued, derive_expiry(issued, months, rule)
        lo, hi = {"lapsed": (-60, -1), "due_within_90": (0, HORIZON_DAYS - 1),
                  "later": (HORIZON_DAYS + 31, months * 30)}[cat]
        target = as_of + timedelta(days=rng.randint(lo, hi))
        while True:
            issued = add_months(target, -months) + timedelta(days=1)
            expires = derive_expiry(issued, months, rule)
            if expires <= as_of + timedelta(days=hi):  # end_of_month may carry it past the window
                return issued, expires
            target = add_months(target, -1)

    def _credential(self, type_id: str, scope: tuple[str, str] | None = None, issuer=None,
                    number=None) -> dict:
        rng = self.rng
        issued, expires = self._dates(type_id)
        c: dict = {"type": type_id}
        if scope:
            c[scope[0]] = scope[1]
        if number is None and type_id in NUMBER_PREFIX:
            number = f"{NUMBER_PREFIX[type_id]}-{rng.randint(10000, 99999)}"
        if number:
            c["number"] = number
        c["issuer"] = issuer or TYPES[type_id][2]
        c["issued"], c["expires"] = issued, expires
        roll = rng.random()
        if expires - self.as_of < timedelta(days=HORIZON_DAYS) and roll < 0.25:
            c["status"] = "renewal_submitted"
        elif roll < 0.002:
            c["status"] = "revoked"
        return c

    # ------------------------------------------------------------------ people

    def people(self, facilities: list[dict]) -> list[dict]:
        rng = self.rng
        by_state: dict[str, list[dict]] = {}
        for f in facilities:
            by_state.setdefault(f["state"], []).append(f)
        codes = list(STATES)
        weights = [STATES[c][1] for c in codes]
        readers = max(2, round(self.n / 12))
        result = []
        for i in range(self.n):
            is_reader = i % 12 == 11 and readers > 0
            readers -= is_reader
            role = "reader" if is_reader else "technologist"
            pid = f"{'r' if is_reader else 't'}-{i + 1:05d}"
            home = rng.choices(codes, weights)[0]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            p: dict = {"id": pid, "name": f"{first} {last}", "role": role, "home_state": home,
                       "email": f"{pid}@example.org",
                       "phone": f"+1555{rng.randint(1000000, 9999999)}",
                       "notify": [f"file://.nervecenter/outbox/{pid}.jsonl"]}
            if rng.random() < 0.2:
                p["notify"].append({"url": f"file://.nervecenter/outbox/{pid}-urgent.jsonl",
                                    "stages": [7, 0]})
            if is_reader:
                self._reader(p, by_state, codes, weights)
            else:
                self._technologist(p, by_state, codes, weights)
            result.append(p)
        return result

    def _keep(self) -> bool:
        """About 1% of the credentials a person needs are simply not on file."""
        return self.rng.random() >= 0.01

    def _technologist(self, p, by_state, codes, weights):
        rng = self.rng
        home = p["home_state"]
        k = _weighted(rng, ((2, 40), (3, 45), (4, 15)))
        places = list(by_state[home])
        if rng.random() < 0.15 or len(places) < k:  # some travel to a second state
            other = rng.choices(codes, weights)[0]
            if other != home:
                places += by_state[other]
        sites = rng.sample(places, min(k, len(places)))
        p["facilities"] = [f["id"] for f in sites]
        creds = []
        has_cnim = rng.random() < 0.93  # the others hold R. EP T. instead
        for type_id, share in (("cnim", 1.0 if has_cnim else 0.0),
                               ("r_ep_t", 0.3 if has_cnim else 1.0), ("r_eeg_t", 0.2),
                               ("cltm", 0.05), ("bls", 1.0), ("acls", 0.85), ("pals", 0.35)):
            if rng.random() < share and self._keep():
                issuer = None
                if type_id == "bls" and rng.random() < 0.05:
                    issuer = "American Red Cross"
                creds.append(self._credential(type_id, issuer=issuer))
        for f in sites:
            for type_id in ("facility_privileges", *f["health"]):
                if self._keep():
                    issuer = f["name"] if type_id == "facility_privileges" else None
                    creds.append(self._credential(type_id, ("facility", f["id"]), issuer))
        p["credentials"] = creds
        cnim = next((c for c in creds if c["type"] == "cnim"), None)
        span = (self.as_of - cnim["issued"]).days if cnim else 0
        if cnim and span > 4 and rng.random() < 0.3:
            days = sorted(rng.sample(range(span), rng.randint(1, 4)))  # distinct dates
            p["ce"] = [{"credential": "cnim", "date": cnim["issued"] + timedelta(days=d),
                        "hours": rng.choice((1, 2, 3, 6, 8)),
                        "category": rng.choice(("conference", "webinar", "article")),
                        "provider": "ASET"} for d in days]

    def _reader(self, p, by_state, codes, weights):
        rng = self.rng
        states = [p["home_state"]]
        for _ in range(rng.randint(1, 4)):
            s = rng.choices(codes, weights)[0]
            if s not in states:
                states.append(s)
        places = [f for s in states for f in by_state[s]]
        sites = rng.sample(places, min(len(places), rng.randint(5, 9)))
        p["facilities"] = [f["id"] for f in sites]
        creds = []
        if self._keep():
            creds.append(self._verified(self._credential("d_abnm")))
        if rng.random() < 0.5:
            creds.append(self._credential("bls"))
        for s in states:
            if self._keep():
                c = self._credential("state_license", ("state", s),
                                     f"{STATES[s][2]} Medical Board",
                                     f"{s}-MD-{rng.randint(10000, 99999)}")
                creds.append(self._verified(c))
        for f in sites:
            if self._keep():
                creds.append(self._credential("facility_privileges", ("facility", f["id"]),
                                              f["name"]))
        p["credentials"] = creds

    def _verified(self, c: dict) -> dict:
        if self.rng.random() < 0.92:
            c["verified"] = {"on": c["issued"] + timedelta(days=self.rng.randint(3, 40)),
                             "by": "m-credentialing", "method": "primary source, online lookup"}
        return c

    # ------------------------------------------------------------------ cases

    def _workday(self) -> date:
        """A day in the horizon; weekends only for the odd emergency."""
        while True:
            day = self.as_of + timedelta(days=self.rng.randrange(HORIZON_DAYS))
            if day.weekday() < 5 or self.rng.random() < 0.1:
                return day

    def cases(self, people: list[dict], facilities: list[dict]) -> list[dict]:
        rng = self.rng
        fac = {f["id"]: f for f in facilities}
        techs = [p for p in people if p["role"] == "technologist"]
        readers_at: dict[str, list[str]] = {}
        readers_in: dict[str, list[str]] = {}
        for p in people:
            if p["role"] == "reader":
                for fid in p["facilities"]:
                    readers_at.setdefault(fid, []).append(p["id"])
                readers_in.setdefault(p["home_state"], []).append(p["id"])
        all_readers = [p["id"] for p in people if p["role"] == "reader"]
        booked: dict[tuple[str, date], list[tuple[datetime, datetime]]] = {}
        result = []
        for _ in range(4 * self.n):
            tech = rng.choice(techs)
            if rng.random() < 0.97:
                fid = rng.choice(tech["facilities"])
            else:  # booked where the technologist holds no privileges
                fid = rng.choice(facilities)["id"]
            for attempt in range(4):  # avoid double-booking the technologist, mostly
                day = self._workday()
                hh, mm = map(int, _weighted(rng, STARTS).split(":"))
                start = datetime(day.year, day.month, day.day, hh, mm)
                end = start + timedelta(hours=rng.choice((2, 3, 3, 4, 4, 5, 6, 8)))
                slots = booked.setdefault((tech["id"], day), [])
                if attempt == 3 or all(end <= s or start >= e for s, e in slots):
                    break
            slots.append((start, end))
            pool = readers_at.get(fid) or readers_in.get(fac[fid]["state"]) or all_readers
            result.append({
                "facility": fid, "start": start,
                "end": end if rng.random() < 0.88 else None,
                "procedure": _weighted(rng, PROCEDURES),
                "technologist": "" if rng.random() < 0.02 else tech["id"],
                "reader": rng.choice(pool) if rng.random() < 0.85 else "",
            })
        result.sort(key=lambda c: (c["start"], c["facility"]))
        for i, c in enumerate(result):
            c["id"] = f"C-{i + 1:06d}"
        return result


# ---------------------------------------------------------------------- writers


def _write_yaml_requirements(lines: list[str], reqs: list[dict]):
    lines.append("requirements:")
    for r in reqs:
        lines.append(f"  - {_flow(r)}")


def write(out: Path, practice: _Practice, facilities, people, cases) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "facilities").mkdir(exist_ok=True)
    (out / "states").mkdir(exist_ok=True)
    managers = [("m-ops", "Dana Lee"), ("m-credentialing", "Sam Ortiz"), ("m-west", "Kim Alvarez")]
    lines = [
        f"name: {_q('Synthetic Neuromonitoring (' + str(practice.n) + ' people)')}",
        "timezone: America/Chicago",
        "alerts:",
        "  stages: [90, 60, 30, 7, 0]",
        "  escalate_at: 7",
        "  expired_repeat_days: 7",
        f"  case_horizon_days: {HORIZON_DAYS}",
        "managers:",
    ]
    for mid, name in managers:
        lines += [f"  - id: {mid}", f"    name: {_q(name)}",
                  f"    notify: [{_q('file://.nervecenter/outbox/' + mid + '.jsonl')}]"]
    lines.append("sources: [people.yaml, cases.csv]")
    # people.yaml takes about 1.8 kB a person: past 25,000 people, over the default input limit
    # (50 MB), which a practice that large raises, as this one does
    mb = -(-practice.n * 2 // 1024)
    if mb > 50:
        lines.append(f"limits: {{max_input_mb: {mb}}}")
    (out / "practice.yaml").write_text("\n".join(lines) + "\n")

    for f in facilities:
        lines = [f"id: {_q(f['id'])}", f"name: {_q(f['name'])}", f"state: {_q(f['state'])}",
                 f"timezone: {f['timezone']}", f"enforcement: {f['enforcement']}"]
        _write_yaml_requirements(lines, f["requirements"])
        (out / "facilities" / f"{f['id']}.yaml").write_text("\n".join(lines) + "\n")
    for code, reqs in practice.state_rules().items():
        lines = [f"state: {_q(code)}"]
        _write_yaml_requirements(lines, reqs)
        (out / "states" / f"{code}.yaml").write_text("\n".join(lines) + "\n")

    lines = ["people:"]
    for p in people:
        lines += [f"  - id: {_q(p['id'])}", f"    name: {_q(p['name'])}", f"    role: {p['role']}",
                  f"    home_state: {_q(p['home_state'])}", f"    email: {_q(p['email'])}",
                  f"    phone: {_q(p['phone'])}", "    notify:"]
        for n in p["notify"]:
            lines.append(f"      - {_flow(n) if isinstance(n, dict) else _q(n)}")
        lines.append("    credentials:")
        lines += [f"      - {_flow(c)}" for c in p["credentials"]]
        if p.get("ce"):
            lines.append("    ce:")
            lines += [f"      - {_flow(e)}" for e in p["ce"]]
    (out / "people.yaml").write_text("\n".join(lines) + "\n")

    columns = ["person", "name", "role", "type", "state", "facility", "number", "issuer",
               "issued", "expires", "status"]
    with open(out / "credentials.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for p in people:
            for c in p["credentials"]:
                w.writerow([p["id"], p["name"], p["role"], c["type"], c.get("state", ""),
                            c.get("facility", ""), c.get("number", ""), c.get("issuer", ""),
                            c["issued"].isoformat(), c["expires"].isoformat(),
                            c.get("status", "active")])

    with open(out / "cases.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "facility", "start", "end", "procedure", "technologist", "reader"])
        for c in cases:
            w.writerow([c["id"], c["facility"], c["start"].strftime("%Y-%m-%dT%H:%M"),
                        c["end"].strftime("%Y-%m-%dT%H:%M") if c["end"] else "",
                        c["procedure"], c["technologist"], c["reader"]])


def generate(out_dir: str | Path, people: int = 5000, seed: int = 7,
             as_of: date = AS_OF) -> dict:
    """Write a synthetic practice of `people` people to `out_dir`; return its sizes."""
    if people < 12:
        raise ValueError("use at least 12 people (one reader per twelve)")
    practice = _Practice(people, seed, as_of)
    facilities = practice.facilities()
    roster = practice.people(facilities)
    cases = practice.cases(roster, facilities)
    write(Path(out_dir), practice, facilities, roster, cases)
    return {
        "people": len(roster),
        "technologists": sum(p["role"] == "technologist" for p in roster),
        "readers": sum(p["role"] == "reader" for p in roster),
        "credentials": sum(len(p["credentials"]) for p in roster),
        "ce_entries": sum(len(p.get("ce", ())) for p in roster),
        "facilities": len(facilities),
        "states": len(practice.state_rules()),
        "cases": len(cases),
        "expiry": dict(practice.categories),
        "as_of": as_of.isoformat(),
        "seed": seed,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--out", required=True, help="directory to write (created)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default=AS_OF.isoformat(), help="YYYY-MM-DD (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        sizes = generate(args.out, args.people, args.seed, date.fromisoformat(args.as_of))
    except ValueError as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 2
    print(json.dumps(sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
