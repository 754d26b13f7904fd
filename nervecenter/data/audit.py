"""The auditor's packet (`nervecenter audit`) as CSV or printable HTML, from its JSON form
(nervecenter.service.audit.packet): the cases in the period, then each person's credentials."""

from __future__ import annotations

import html

from nervecenter.core.model import Practice
from nervecenter.data.report import csv_text

CASE_HEADER = ["id", "day", "technologist", "reader", "outcome", "problems",
               "exclusion_screening"]
PEOPLE_HEADER = ["person", "name", "role", "cases", "last_case", "type", "scope", "requirement",
                 "status", "number", "issuer", "issued", "expires", "verified_on", "verified_by",
                 "documents"]


def packet_csv(doc: dict) -> str:
    """Two tables in one file, a blank line between: the cases, then the credentials."""
    cases = [{**c, "problems": " | ".join(p["detail"] for p in c["problems"]),
              "exclusion_screening": "; ".join(
                  f"{c[role]}: " + (f"screened {s['screened_on']}, valid through "
                                    f"{s['valid_through']}" if s else "none on file")
                  for role, s in c.get("exclusion_screening", {}).items())}
             for c in doc["cases"]]
    return csv_text(CASE_HEADER, cases) + "\n\n" + csv_text(PEOPLE_HEADER, doc["people"]) + "\n"


def packet_html(practice: Practice, doc: dict) -> str:
    """A self-contained, printable HTML packet, with people's names."""
    e = html.escape
    facility = practice.facilities[doc["facility"]]
    names = {r["person"]: r["name"] for r in doc["people"]}

    def name(pid):
        return e(names.get(pid, pid)) if pid else "—"

    period = f"{doc['from']} to {doc['to']}"
    body = [f"<h2>Cases, {e(period)}</h2>"]
    if not doc["cases"]:
        body.append(f"<p>No cases at this facility from {e(period)}.</p>")
    else:
        body.append("<table><tr><th>Day</th><th>Case</th><th>Technologist</th><th>Reader</th>"
                    "<th>Outcome</th><th>Problems</th></tr>")
        for c in doc["cases"]:
            cls = "ok" if c["outcome"] == "cleared" else "bad"
            problems = "<br>".join(e(p["detail"]) for p in c["problems"])
            body.append(f"<tr><td>{e(c['day'])}</td><td>{e(c['id'])}</td>"
                        f"<td>{name(c['technologist'])}</td><td>{name(c['reader'])}</td>"
                        f"<td class='{cls}'>{e(c['outcome'])}</td><td>{problems}</td></tr>")
        body.append("</table>")
    body.append(f"<h2>Credentials on {e(doc['as_of'])}</h2>")
    seen = []
    for r in doc["people"]:
        if (r["person"], r["role"]) not in seen:
            seen.append((r["person"], r["role"]))
    for pid, role in seen:
        mine = [r for r in doc["people"] if (r["person"], r["role"]) == (pid, role)]
        first = mine[0]
        body.append(f"<h3>{e(first['name'])} <small>({e(role)}; {first['cases']} cases, "
                    f"last {e(first['last_case'])})</small></h3>")
        body.append("<table><tr><th>Credential</th><th>Scope</th><th>Required by</th>"
                    "<th>Status</th><th>Number</th><th>Issuer</th><th>Issued</th><th>Expires</th>"
                    "<th>Verified</th><th>Documents</th></tr>")
        for r in mine:
            verified = f"{r['verified_on']} by {r['verified_by']}" if r["verified_on"] else ""
            cls = "ok" if r["status"].startswith("valid") else "bad"
            body.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (
                r["type"], r["scope"], r["requirement"])) +
                f"<td class='{cls}'>{e(r['status'])}</td>" + "".join(
                f"<td>{e(str(v))}</td>" for v in (r["number"], r["issuer"], r["issued"],
                                                  r["expires"], verified, r["documents"]))
                + "</tr>")
        body.append("</table>")
    if not seen:
        body.append("<p>Nobody worked at this facility in this period.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Credentialing packet: {e(facility.name)}, {e(period)}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:4px;font-size:90%;text-align:left}}
.ok{{color:#060}} .bad{{color:#a00;font-weight:bold}}</style></head>
<body><h1>Credentialing packet: {e(facility.name)} ({e(facility.state)})</h1>
<p>{e(practice.name)}. Every case at this facility from {e(period)}, each with its outcome and
problems as they stood on its day; then the status on {e(doc['as_of'])} of each credential the
facility requires of the people who worked them.</p>
{chr(10).join(body)}
</body></html>
"""
