"""What the pages show and what the actions do, on a practice small enough to work out by hand.

The practice (web.SMALL) on 2026-12-01:
- Jordan Price: CNIM to 2028-12-31; BLS issued 2025-11-20, expires 2027-11-30. His only case is
  C-2 at Tulane (no BLS age limit), so his BLS is due on its expiry, 364 days away.
- Mallory: CNIM expires 2026-12-31 (30 days: stage 30); BLS issued 2024-11-01 expired
  2026-11-30, and Ochsner (her case C-1) takes BLS only 12 months from issue: due 2025-11-01,
  lapsed.
- Robin Adams (reader): LA licence expires 2026-12-20; Ochsner wants it valid 30 days after
  a case, and he reads C-1 there: due 2026-11-20, lapsed.
So: 3 people, 1 due within 30 days, 1 within 90, 2 lapsed; C-1 blocked, C-2 cleared,
C-3 unstaffed: 2 cases not cleared.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from kit import web
from kit.practice import small_practice

USERS = {"dana": ("manager", None), "price": ("person", "t-price")}
SECRET_URL = "json://hookuser:hooksecret@127.0.0.1:9/sms"  # nothing listens on port 9


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = small_practice(tmp_path_factory.mktemp("small"),
                               practice={"alerts": {"retry_attempts": 1}},
                               people={"t-mallory": {"notify": [SECRET_URL]}})
    s = web.start(directory, USERS)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def dana(server):
    c = server.login("dana")
    yield c
    c.close()


def text_of(html: str) -> str:
    """What a reader sees: inline tags dropped, block tags as spaces, entities decoded."""
    inline = re.sub(r"</?(a|span|b|small|code)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", inline))).strip()


def section(html: str, heading: str) -> str:
    """The HTML from an <h2> to the next one."""
    start = html.index(f"<h2>{heading}")
    end = html.find("<h2>", start + 4)
    return html[start:end if end > 0 else None]


def test_overview_counts(dana):
    html = dana.get("/").text
    counts = {label.strip(): int(n) for n, label in
              re.findall(r"<b>(\d+)</b>\s*([^<]+)", section_counts(html))}
    assert counts == {"people": 3, "due within 30 days": 1, "due within 90 days": 1,
                      "past due or lapsed": 2, "cases not cleared in the next 30 days": 2,
                      "failed deliveries": 0}


def section_counts(html: str) -> str:
    return html[html.index('<ul class="counts">'):html.index("</ul>")]


def test_overview_due_by_person_coloured_by_stage(dana):
    due = section(dana.get("/").text, "Due within 90 days")
    chips = re.findall(r'<span class="chip (\w+)"[^>]*>\s*([^<·]+?)\s*·\s*due (\S+)', due)
    assert sorted(chips) == [("lapsed", "BLS Provider", "2025-11-01"),
                             ("lapsed", "State licence LA", "2026-11-20"),
                             ("urgent", "CNIM", "2026-12-31")]
    assert "Jordan Price" not in due


def test_overview_cases_not_cleared_with_problems(dana):
    cases = section(dana.get("/").text, "Cases not cleared")
    assert re.findall(r"/cases/(C-\d)", cases) == ["C-1", "C-3"]
    assert "expires_too_soon" in cases and "must stay valid until 2027-01-02" in cases
    conflicts = text_of(section(dana.get("/").text, "Conflicting requirements"))
    assert "BLS Provider max_age_months ochsner-main: 12; tulane: — Jordan Price" in conflicts


def test_case_page_says_which_requirements_are_met_and_why_not(dana):
    html = dana.get("/cases/C-1").text
    rows = re.findall(r'<tr class="(met|unmet)">(.*?)</tr>', html, re.DOTALL)
    got = [(cls, text_of(row)) for cls, row in rows]
    assert [cls for cls, _ in got] == ["unmet", "met", "unmet"]
    assert got[0][1].startswith("BLS Provider: issued within 12 months of the case")
    assert "expired" in got[0][1] and "Mallory's BLS Provider expired on 2026-11-30" in got[0][1]
    assert got[1][1].startswith("one of CNIM, D.ABNM")
    assert "expires_too_soon" in got[2][1]
    assert "none cleared" in section(html, "Backups")


def test_facility_page_lists_who_is_cleared_this_week(dana):
    # Tulane wants BLS only, of technologists: Price's is good, Mallory's expired on 2026-11-30;
    # readers have no requirement there. Ochsner: Price's BLS is older than 12 months by
    # 2026-12-01, Mallory's expired, Adams's licence is not valid 30 days after the week.
    tulane = section(dana.get("/facilities/tulane").text, "Cleared here this week")
    assert re.findall(r"/people/([\w-]+)", tulane) == ["t-price", "r-adams"]
    assert "2026-12-01 – 2026-12-07" in tulane
    ochsner = section(dana.get("/facilities/ochsner-main").text, "Cleared here this week")
    assert "Nobody is cleared here" in ochsner
    assert dana.get("/api/facilities/tulane").json()["cleared_this_week"] == ["t-price", "r-adams"]
    assert dana.get("/api/facilities/ochsner-main").json()["cleared_this_week"] == []


def test_person_page_ce_progress(dana):
    # CNIM: 50 h in the 60 months of the cycle ending at its expiry 2028-12-31 (from
    # 2024-01-01), articles at most half (25 h): 6 h conference + 30 h articles earned,
    # 6 + 25 = 31 h count, 19 h to go, 62 %.
    ce = text_of(section(dana.get("/people/t-price").text, "Continuing education"))
    assert "CNIM 31 of 36 earned 50 2024-01-01 – 2028-12-31" in ce
    assert "62% · 19 h to go" in ce
    assert "article: 30 h earned, at most 25 h count" in ce


def test_person_page_shows_a_ce_shortfall_near_the_cycles_end(dana):
    # Mallory's CNIM cycle ends 2026-12-31, within the last stage (3 months), with no hours
    ce = text_of(section(dana.get("/people/t-mallory").text, "Continuing education"))
    assert ("50 CE hours still needed for CNIM by 2026-12-31 (0 of 50 h count; article: at most "
            "25 h more; each in_house format: up to 25 h)") in ce
    # Jordan Price's ends in 2028: short, but not yet within 12 months
    assert "still needed" not in text_of(section(dana.get("/people/t-price").text,
                                                 "Continuing education"))


def test_renewal_submitted_from_the_person_page(server, dana):
    token = web.csrf_of(dana.get("/people/t-price").text)
    r = dana.post("/people/t-price/credentials/t-price:bls/submitted", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/people/t-price#t-price:bls"
    page = dana.get("/people/t-price").text
    assert "Renewal of t-price:bls recorded as submitted." in page
    assert server.workspace.store.versions("t-price:bls")[-1]["status"] == "renewal_submitted"
    assert server.workspace.store.audit_log("credential", "t-price:bls")[-1]["actor"] == "web:dana"


@pytest.mark.parametrize("name, content, message", [
    ("licence.pdf", b"MZ\x90\x00 not a pdf", "is not a PDF file"),
    ("licence.exe", b"%PDF-1.4 pretending", "documents must be PDF, PNG or JPEG"),
    ("licence.pdf", b"", "is empty"),
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), "the limit is 10 MB"),
])
def test_bad_uploads_are_refused_and_nothing_is_recorded(server, dana, name, content, message):
    before = server.workspace.store.versions("r-adams:d_abnm")
    token = web.csrf_of(dana.get("/people/r-adams").text)
    r = dana.post("/people/r-adams/credentials/r-adams:d_abnm/renew",
                  data={"csrf_token": token, "expires": "2040-01-01"},
                  files={"document": (name, content, "application/octet-stream")})
    assert r.status_code == 400
    assert message in text_of(r.text)
    assert server.workspace.store.versions("r-adams:d_abnm") == before
    assert not (server.workspace.practice.documents / "r-adams").exists()


def test_a_renewal_must_move_the_expiry_forward(server, dana):
    token = web.csrf_of(dana.get("/people/r-adams").text)
    r = dana.post("/people/r-adams/credentials/r-adams:d_abnm/renew",
                  data={"csrf_token": token, "expires": "2029-01-01"})
    assert r.status_code == 400
    assert "the new expiry 2029-01-01 is not after the current one (2030-01-01)" in text_of(r.text)
    r = dana.post("/people/r-adams/credentials/r-adams:d_abnm/renew",
                  data={"csrf_token": token, "expires": "31.12.2040"})
    assert r.status_code == 400 and "is not a date; write YYYY-MM-DD, MM/DD/YYYY" in text_of(r.text)


def test_a_manager_silences_a_credentials_alerts(server, dana):
    from nervecenter.alerts.ledger import Ledger

    token = web.csrf_of(dana.get("/people/t-mallory").text)
    r = dana.post("/silences", data={"csrf_token": token, "credential": "t-mallory:cnim",
                                     "until": "2026-11-30"})
    assert r.status_code == 400 and "is before today (2026-12-01)" in text_of(r.text)
    r = dana.post("/silences", data={"csrf_token": token, "credential": "t-mallory:cnim",
                                     "until": "2027-01-15", "reason": "renewal in the mail",
                                     "back": "/people/t-mallory"})
    assert r.status_code == 303 and r.headers["location"] == "/people/t-mallory"
    [s] = Ledger(server.workspace.store.engine).silences()
    assert (s.credential, s.until.isoformat(), s.reason, s.by) == \
        ("t-mallory:cnim", "2027-01-15", "renewal in the mail", "web:dana")
    assert "t-mallory:cnim" in section(dana.get("/alerts").text, "Silences")
    [entry] = server.workspace.store.audit_log(entity="silence")
    assert (entry["actor"], entry["key"], entry["action"], entry["after"]) == \
        ("web:dana", "t-mallory:cnim", "add",
         {"credential": "t-mallory:cnim", "until": "2027-01-15", "reason": "renewal in the mail"})


def test_calendar_feed_of_the_practice(server, dana):
    r = dana.post("/calendar", data={"csrf_token": web.csrf_of(dana.get("/calendar").text)})
    links = re.findall(r'class="url" readonly value="([^"]+)"', r.text)
    assert links[0].startswith("/calendar/practice.ics?token=ncf_")  # no base_url configured
    assert len(links) == 1 + 3  # the practice, then each person
    with server.client() as c:
        ics = c.get(links[0]).text
    assert ics.startswith("BEGIN:VCALENDAR")
    events = ics.replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
    assert len(events) == 6  # every credential of the three people
    licence = next(e for e in events if "r-adams:state_license:LA" in e)
    assert "DTSTART;VALUE=DATE:20261120" in licence
    assert "SUMMARY:State licence LA due: Robin Adams" in licence
    assert "ochsner-main: valid_days_after_case 30" in licence


def test_alert_log_shows_delivery_status_with_secrets_masked(server, dana):
    from nervecenter.service import runner

    result = runner.run(server.workspace, on=web.DAY)
    assert result.outcome.failed > 0  # Mallory's webhook: nothing listens on 127.0.0.1:9
    log = dana.get("/alerts").text
    failed_rows = re.findall(r'<tr class="failed">(.*?)</tr>', log, re.DOTALL)
    assert failed_rows and all("json://127.0.0.1:9/****" in row
                               for row in failed_rows)
    sent_rows = re.findall(r'<tr class="sent">(.*?)</tr>', log, re.DOTALL)
    assert sent_rows and all("file://" in row for row in sent_rows)
    api = dana.get("/api/alerts", params={"status": "failed"}).json()["alerts"]
    failed = [d for a in api for d in a["deliveries"] if d["status"] == "failed"]
    assert len(failed) == len(failed_rows)
    overview = section_counts(dana.get("/").text)
    assert f"<b>{len(failed)}</b> failed deliveries" in overview
    for page in ["/alerts", "/people/t-mallory", "/api/alerts", "/"]:
        assert "hooksecret" not in dana.get(page).text
    # Jordan Price sees the alerts sent to him, and none of Mallory's or the managers' channels.
    price = server.login("price")
    mine = price.get("/api/alerts").json()["alerts"]
    assert {d["recipient"] for a in mine for d in a["deliveries"]} <= {"t-price"}
    assert "hookuser" not in price.get("/alerts").text


def test_long_lists_are_cut_on_the_overview_and_filtered_on_cases(dana, monkeypatch):
    from nervecenter.web import pages

    monkeypatch.setattr(pages, "OVERVIEW_LIMIT", 1)
    html = dana.get("/").text
    due = section(html, "Due within 90 days")
    assert len(re.findall(r"<tr>\s*<td><a href=\"/people/", due)) == 1
    assert "… and 1 more people with credentials due" in text_of(due)
    cases = section(html, "Cases not cleared")
    assert re.findall(r"/cases/(C-\d)", cases) == ["C-1"]
    assert "… and 1 more: see all cases not cleared" in text_of(cases)
    assert re.findall(r"/cases/(C-\d)", dana.get("/cases?outcome=unstaffed").text) == ["C-3"]
    assert re.findall(r"/cases/(C-\d)", dana.get("/cases?outcome=not-cleared").text) == \
        ["C-1", "C-3"]
    assert re.findall(r"/cases/(C-\d)", dana.get("/cases?facility=tulane").text) == ["C-2"]


def test_a_renewal_clears_the_case_on_sqlite_and_postgresql(tmp_path, database_url):
    # Example practice, C-1001: Dr Adams's LA licence (to 2026-12-20) must last until 2027-01-02.
    server = web.start(web.example_practice(tmp_path), {"dana": ("manager", None)},
                           database_url=database_url)
    try:
        dana = server.login("dana")
        case = "/api/cases?case=C-1001"
        assert dana.get(case).json()["cases"][0]["outcome"] == "blocked"
        token = web.csrf_of(dana.get("/people/r-adams").text)
        r = dana.post("/people/r-adams/credentials/r-adams:state_license:LA/renew",
                      data={"csrf_token": token, "expires": "2027-01-02", "issued": "2026-11-25"})
        assert r.status_code == 303
        assert dana.get(case).json()["cases"][0]["outcome"] == "cleared"
    finally:
        server.stop()


def test_someone_no_channel_reaches_is_marked_on_the_people_list_and_their_page(dana):
    rows = {m.group(1): m.group(0) for m in re.finditer(
        r'<tr><td><a href="/people/([^"]+)">.*?</tr>', dana.get("/people").text, re.DOTALL)}
    assert "no channel" in rows["r-adams"]  # no notify, email or phone
    assert "no channel" not in rows["t-price"] and "no channel" not in rows["t-mallory"]
    page = text_of(dana.get("/people/r-adams").text)
    assert "No channel reaches Robin Adams: their alerts go to the managers." in page
    assert "No channel reaches" not in text_of(dana.get("/people/t-price").text)
