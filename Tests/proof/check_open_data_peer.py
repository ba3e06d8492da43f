#!/usr/bin/env python3
"""Open data against real peers: the CSV exports read back with Python's csv module and
agree with the JSON exports; the Atom feed parses as XML in the Atom namespace; the ICS
deadline calendars parse with PyPI's icalendar and give back the same events."""
import csv, io, json, os, pathlib, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLOURISH_BIN", str(ROOT / ".build" / "debug" / "flourish"))
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def main():
    import icalendar  # installed by scripts/test
    work = tempfile.mkdtemp(prefix="flourish-open-data-")
    env = dict(os.environ, FLOURISH_DB=os.path.join(work, "demo.sqlite"), FLOURISH_WORKFLOWS=str(ROOT / "Workflows"))

    def flourish(*args):
        return subprocess.run([BIN, *args], env=env, check=True, capture_output=True, text=True).stdout

    flourish("init", "--demo")
    exported = 0
    for kind in ["pledges", "actions", "measures"]:
        moment = ["--now", "2026-11-25T09:00"]  # one moment, so both files say the same generated_at
        rows = list(csv.reader(io.StringIO(flourish("export", kind, "--format", "csv", *moment), newline="")))
        items = json.loads(flourish("export", kind, "--format", "json", *moment))
        header, body = rows[0], rows[1:]
        check(header[-1] == "generated_at", f"{kind}: the CSV's last column is generated_at")
        check(len(body) == len(items[kind]), f"{kind}: CSV has {len(body)} rows, JSON {len(items[kind])} items")
        check(all(len(r) == len(header) for r in body), f"{kind}: every CSV row has {len(header)} fields")
        for row, item in zip(body, items[kind]):
            for column, value in zip(header[:-1], row[:-1]):
                expected = ";".join(item[column]) if isinstance(item[column], list) else item[column]
                check(value == expected, f"{kind}: {column} is {value!r} in CSV but {expected!r} in JSON")
        check(all(r[-1] == items["generatedAt"] for r in body), f"{kind}: generated_at agrees with the JSON")
        exported += len(body)

    # The annual report's CSV: a group's section with a comma, quotes and a line break must come
    # back from Python's csv exactly, and every figure must agree with the JSON report.
    section = 'Hubs opened in Thetford, Dereham and Swaffham; "family days" held each month,\nwith 140 children.'
    flourish("--as", "sam", "report", "start", "--year", "2026", "--sections-due", "2026-12-18")
    flourish("--as", "sam", "report", "section", "early-prevention-board", "--year", "2026", "--text", section)
    moment = ["--now", "2026-12-03T09:00"]
    rows = list(csv.reader(io.StringIO(flourish("report", "annual", "--year", "2026", "--format", "csv", *moment), newline="")))
    report = json.loads(flourish("report", "annual", "--year", "2026", "--format", "json", *moment))
    check(rows[0] == ["section", "key", "name", "figure", "value"], f"the report CSV's header is {rows[0]}")
    check(all(len(r) == 5 for r in rows), "every report CSV row has five fields")
    sections = [r for r in rows if r[0] == "group section" and r[1] == "early-prevention-board"]
    check(len(sections) == 1 and sections[0][4] == section, f"the section text round-trips through csv: {sections}")
    figures = {(r[0], r[1], r[3]): r[4] for r in rows}
    check(figures.get(("totals", "partnership", "pledges made")) == str(report["totals"]["pledges"]["made"]), "pledges made agree between CSV and JSON")
    for area in report["areas"]:
        check(figures.get(("area", area["key"], "pledges approved")) == str(area["pledges"]["approved"]), f"{area['key']}: pledges approved agree")
        check(figures.get(("area", area["key"], "actions overdue")) == str(area["actions"]["overdue"]), f"{area['key']}: overdue actions agree")
    report_rows = len(rows) - 1

    # The Atom feed, fetched through the web front door is the same code; here straight from the server's page.
    server = subprocess.Popen([BIN, "serve", "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        while line and "listening on" not in line:
            line = server.stdout.readline()
        base = line.strip().rsplit(" ", 1)[-1]
        import urllib.request
        atom = urllib.request.urlopen(base + "/open-data/pledges.atom", timeout=10).read()
        feed = ET.fromstring(atom)
        ns = "{http://www.w3.org/2005/Atom}"
        check(feed.tag == ns + "feed", "the feed's root is an Atom feed")
        entries = feed.findall(ns + "entry")
        check(len(entries) == exported_pledges(flourish), f"the feed has one entry per pledge on the wall ({len(entries)})")
        check(all(e.find(ns + "id") is not None and e.find(ns + "updated") is not None for e in entries), "every entry has an id and updated")

        # A group's deadlines are not public: its chair's own link (made by `flourish user calendar`) shows them.
        group_link = flourish("user", "calendar", "erin", "--group", "early-prevention-board").strip()
        public_group = icalendar.Calendar.from_ical(urllib.request.urlopen(base + "/groups/early-prevention-board/deadlines.ics", timeout=10).read())
        check(not list(public_group.walk("VEVENT")), "the group's feed without a link has no events for a visitor")
        for path in [group_link, "/organisations/wensum-valley-bakery/deadlines.ics"]:
            text = urllib.request.urlopen(base + path, timeout=10).read()
            check(all(len(l) <= 75 for l in text.split(b"\r\n")), f"{path}: no line longer than 75 octets")
            cal = icalendar.Calendar.from_ical(text)
            events = [c for c in cal.walk("VEVENT")]
            check(len(events) > 0, f"{path}: has events")
            check(all(e.get("UID") and e.get("DTSTART") and e.get("SUMMARY") for e in events), f"{path}: every event has UID, DTSTART, SUMMARY")
            check(len({str(e.get("UID")) for e in events}) == len(events), f"{path}: UIDs are unique")
            print(f"{path.split('?')[0]}: {len(events)} events parse with icalendar {icalendar.__version__}")
    finally:
        server.terminate()
        server.wait(timeout=10)

    if failures:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)
    print(f"open data peer check: {exported} exported rows agree between CSV (Python csv) and JSON; the annual report's {report_rows} CSV rows "
          "round-trip a section with commas, quotes and a line break and agree with its JSON; Atom parses; ICS parses with icalendar")


def exported_pledges(flourish):
    return len(json.loads(flourish("export", "pledges", "--format", "json"))["pledges"])


if __name__ == "__main__":
    main()
