"""What `nervecenter init DIR --blank` writes: an empty practice to fill in, every key of
practice.yaml present as a comment, one facility to copy, the spreadsheet headers."""

from __future__ import annotations

FILES = {
    "practice.yaml": """\
# Your practice. `nervecenter schema practice` describes every key; `nervecenter check` checks.
name: My Neuromonitoring Practice
timezone: America/Chicago                 # IANA name: dates are calendar dates here
# database: sqlite:///.nervecenter/state.db   # or postgresql+psycopg://user@host/db
# alerts:
#   stages: [90, 60, 30, 7, 0]             # days before a due date an alert goes out
#   escalate_at: 7                         # stages at or below this also go to the managers
#   expired_repeat_days: 7
#   case_horizon_days: 30                  # cases this many days ahead are checked
# schedule:
#   evaluate: "0 6 * * *"                  # the daemon's run, cron, in the time zone above
#   digest: "0 7 * * MON"
# contacts:                                # how to reach people from their email/phone columns
#   email: "mailtos://user:pass@smtp.example.com?from=alerts@example.com&to={email}"
#   phone: "json://sms.example.com/send?to={phone}"
# case_values:                             # the values a schedule may use; others are errors
#   procedure: [spine, cranial, vascular]
managers: []                              # or, one per line (then delete the [] above):
# managers:
#   - {id: dana, name: Dana Lee, email: dana@example.com}
sources: [roster.csv, cases.csv]          # re-imported before every evaluation
""",
    "facilities/my-hospital.yaml": """\
# One file per facility; copy this one. `nervecenter schema facility` lists every key.
id: my-hospital
name: My Hospital
state: LA                                 # two-letter code: the state's rules apply too
# enforcement: warn                       # unmet requirements warn instead of blocking
requirements:
  - credential: bls
  # - any_of: [cnim, d_abnm]
  # - credential: acls
  #   when: {procedure: [cranial, vascular]}
  # - credential: state_license
  #   role: reader
  #   valid_days_after_case: 30
""",
    "roster.csv": "person,name,role,email,phone,type,state,facility,number,issuer,issued,expires\n",
    "cases.csv": "id,facility,start,end,procedure,technologist,reader\n",
}
