#!/usr/bin/env python3
"""Checks Flourish's working-day arithmetic (an action's `escalatesOn`) against an independent reckoning.

The rule (README, "Actions and measures"): an action overdue by more than N working days (N is
escalation.toleranceBreach.overdueWorkingDays in Workflows/partnerships/norfolk.json: 20)
escalates at the start of the (N+1)th working day after its due date, whatever weekday the due
date falls on; working days skip Saturdays, Sundays and England and Wales bank holidays.

The expected dates are reckoned here without Flourish's calendar file or code:
  - bank holidays come from the govuk-bank-holidays package's bundled copy of the GOV.UK data
    (use_cached_holidays=True: never the network). When the package is missing it is installed
    into a virtualenv under .build/working-days-tools. Years past the bundled data are computed
    by this script's own implementation of the standing rules, which is first checked to
    reproduce every bundled year except the known one-off years;
  - "the (N+1)th working day after D" is counted here, and cross-checked against the package's
    own work_days_after() wherever the bundled data reaches.
Flourish's answer comes through its real code path: a fresh database in a temporary folder, a
secretariat person and a group chair, and one `flourish import actions` of a CSV with one action
due on every day from 2026-01-01 to 2030-12-31; then `flourish instance list --workflow action
--json`. Due dates whose escalation day falls past the end of Flourish's bank-holiday calendar
must be refused by the import (all-or-nothing, with one problem per such row); the rest are then
imported and every `escalatesOn` compared. Prints one line per check and
`working days: N passed, M failed`; exits 1 on any failure.
"""
import csv, datetime as dt, json, os, pathlib, re, subprocess, sys, tempfile, time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from served import flourish_binary

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".build" / "working-days-tools"
PEER_VERSION = "0.19"  # as scripts/test pins it
FIRST, LAST = dt.date(2026, 1, 1), dt.date(2030, 12, 31)
NOW = "2025-12-02T09:00"  # every command runs at this moment, so the run never depends on the clock
LOGGED_ON = "2025-12-01"
GROUP, CHAIR, SECRETARIAT = "early-prevention-board", "wd-chair", "wd-secretariat"
ALLIANCE = "children-and-young-people-strategic-alliance"
# The issue's own examples (README: due Friday 19 June 2026, it opens on Monday 20 July).
NAMED = [(dt.date(2026, 6, 19), dt.date(2026, 7, 20)), (dt.date(2026, 12, 24), dt.date(2027, 1, 27))]
# Bundled years where GOV.UK departs from the standing rules by proclamation (jubilees, a
# coronation, a state funeral, VE Day moved): the only years the rules may not reproduce.
ONE_OFF_YEARS = {2002, 2011, 2012, 2020, 2022, 2023}
ONE_DAY = dt.timedelta(days=1)

results = []  # (ok, line)


def check(ok, line):
    results.append((ok, line))
    print(f"{'ok  ' if ok else 'FAIL'} {line}", flush=True)
    return ok


def day(d):
    return f"{d.strftime('%a')} {d.isoformat()}"


# MARK: - The peer: govuk-bank-holidays

def load_peer():
    """Imports govuk_bank_holidays; when missing, installs it into a virtualenv under .build and
    imports it from there. Returns the module's BankHolidays class and its version."""
    try:
        from govuk_bank_holidays.bank_holidays import BankHolidays
    except ImportError:
        venv = TOOLS / f"govuk-bank-holidays-{PEER_VERSION}"
        python = venv / "bin" / "python"
        if not python.exists() or subprocess.run([str(python), "-c", "import govuk_bank_holidays"], capture_output=True).returncode != 0:
            print(f"  installing govuk-bank-holidays=={PEER_VERSION} into {venv}", flush=True)
            TOOLS.mkdir(parents=True, exist_ok=True)
            r = subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], capture_output=True, text=True, timeout=120)
            if r.returncode == 0:
                r = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                    f"govuk-bank-holidays=={PEER_VERSION}"], capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                sys.exit(f"working days: could not install govuk-bank-holidays=={PEER_VERSION}: {(r.stderr or r.stdout).strip()[-400:]}")
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        sys.path.insert(0, site)
        from govuk_bank_holidays.bank_holidays import BankHolidays
    try:
        from importlib.metadata import version
        found = version("govuk-bank-holidays")
    except Exception:
        found = "unknown"
    return BankHolidays, found


# MARK: - This script's own standing rules (for years past the bundled data)

def easter_sunday(year):
    """Easter Sunday by the Meeus/Jones/Butcher Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    return dt.date(year, month, (h + l - 7 * m + 33 * month + 19) % 32)


def nth_monday(year, month, n):
    """The nth Monday of the month; n = -1 for the last."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(-first.weekday()) % 7 + 7 * (n - 1))
    last = (dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1) - ONE_DAY
    return last - dt.timedelta(days=last.weekday())


def rule_holidays(year):
    """England and Wales bank holidays by the standing rules: New Year's Day, Good Friday, Easter
    Monday, the early May (first Monday), spring (last Monday of May) and summer (last Monday of
    August) bank holidays, Christmas Day and Boxing Day, with substitute weekdays when one falls
    at a weekend (the weekday of 25 December decides the Christmas pair)."""
    easter = easter_sunday(year)
    out = {easter - 2 * ONE_DAY, easter + ONE_DAY, nth_monday(year, 5, 1), nth_monday(year, 5, -1), nth_monday(year, 8, -1)}
    ny = dt.date(year, 1, 1)
    while ny.weekday() >= 5:
        ny += ONE_DAY
    out.add(ny)
    xmas = dt.date(year, 12, 25)
    christmas_pair = {
        0: (25, 26), 1: (25, 26), 2: (25, 26), 3: (25, 26),
        4: (25, 28),   # Friday: Boxing Day (Saturday) moves to Monday 28
        5: (27, 28),   # Saturday: both move, to Monday 27 and Tuesday 28
        6: (27, 26),   # Sunday: Boxing Day Monday 26, Christmas moves to Tuesday 27
    }[xmas.weekday()]
    out |= {dt.date(year, 12, d) for d in christmas_pair}
    return out


# MARK: - This script's own working-day count

def escalation_day(due, n, holidays):
    """The (n+1)th working day strictly after `due`: counting starts the day after, whatever
    weekday `due` is; a working day is Monday to Friday and not in `holidays`."""
    d, counted = due, 0
    while counted < n + 1:
        d += ONE_DAY
        if d.weekday() < 5 and d not in holidays:
            counted += 1
    return d


# MARK: - Flourish

class Flourish:
    def __init__(self, binary, work):
        self.base = [binary, "--workflows", str(ROOT / "Workflows"), "--db", os.path.join(work, "working-days.sqlite"),
                     "--partnership", "norfolk", "--now", NOW]

    def run(self, *args, timeout=120):
        return subprocess.run(self.base + list(args), capture_output=True, text=True, timeout=timeout)

    def must(self, *args):
        r = self.run(*args)
        if r.returncode != 0:
            sys.exit(f"working days: `flourish {' '.join(args)}` failed (exit {r.returncode}): {r.stdout.strip()} {r.stderr.strip()}")
        return r

    def every(self, *args, name, limit=1000):
        """Every item of a paged list: `flourish --json ARGS --limit N`, then `--after` each page's
        `next` until it is null (each page is {name: [...], "total": N, "next": ...})."""
        items, after, seen = [], None, set()
        while True:
            page = json.loads(self.must("--json", *args, "--limit", str(limit), *(["--after", after] if after is not None else [])).stdout)
            if not isinstance(page, dict) or not isinstance(page.get(name), list):
                sys.exit(f"working days: `flourish {' '.join(args)}` printed no page of {name}: {str(page)[:300]}")
            items += page[name]
            after = page.get("next")
            if after is None:
                return items
            if after in seen:
                sys.exit(f"working days: `flourish {' '.join(args)}`: the page after {after!r} came round again")
            seen.add(after)


def write_csv(path, dues):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["group", "title", "description", "priority", "areas", "owner", "due_date", "item", "logged_on",
                    "status", "status_note", "rag", "commentary", "updated_on"])
        for d in dues:
            w.writerow([GROUP, f"Due {d.isoformat()}", "", "", "healthy", CHAIR, d.isoformat(), "", LOGGED_ON,
                        "planned", "", "", "", ""])


def main():
    started = time.monotonic()
    binary = flourish_binary("working days")
    norfolk = json.loads((ROOT / "Workflows" / "partnerships" / "norfolk.json").read_text(encoding="utf-8"))
    n = norfolk["escalation"]["toleranceBreach"]["overdueWorkingDays"]
    check(n == 20, f"Norfolk's tolerance is overdue by more than {n} working days (README: 20)")

    # The independent calendar.
    BankHolidays, version = load_peer()
    peer = BankHolidays(use_cached_holidays=True)
    division = BankHolidays.ENGLAND_AND_WALES
    bundled = {}
    for h in peer.get_holidays(division=division):
        bundled.setdefault(h["date"].year, set()).add(h["date"])
    first_year, last_year = min(bundled), max(bundled)
    # The bundled data may start mid-way through its first year's holidays; compare whole years only.
    whole = [y for y in range(first_year, last_year + 1) if y in bundled and y != first_year]
    differing = [y for y in whole if rule_holidays(y) != bundled[y]]
    unexpected = [y for y in differing if y not in ONE_OFF_YEARS]
    check(not unexpected, f"this script's standing rules reproduce govuk-bank-holidays {version} for {len(whole) - len(differing)} of "
          f"{len(whole)} bundled years ({whole[0]}-{whole[-1]}); they differ only in the one-off years {sorted(set(differing) - set(unexpected))}"
          + (f"; and UNEXPECTEDLY in {unexpected}" if unexpected else ""))
    holidays = set()
    for y in range(FIRST.year, LAST.year + 2):  # one year more: escalations of December 2030 dues land in 2031
        holidays |= bundled[y] if y <= last_year else rule_holidays(y)
    extended = [y for y in range(FIRST.year, LAST.year + 2) if y > last_year]
    print(f"     govuk-bank-holidays {version}'s bundled data covers {first_year}-{last_year}; "
          f"{', '.join(map(str, extended)) or 'no years'} computed here from the standing rules", flush=True)

    dues = []
    d = FIRST
    while d <= LAST:
        dues.append(d)
        d += ONE_DAY
    expected = {d: escalation_day(d, n, holidays) for d in dues}

    # Second count: the peer's own work_days_after(), wherever its data reaches.
    peer_end = dt.date(last_year, 12, 31)
    disagree, compared = [], 0
    for d in dues:
        if expected[d] > peer_end:
            continue
        walk = peer.work_days_after(division=division, date=d)
        theirs = [next(walk) for _ in range(n + 1)][-1]
        compared += 1
        if theirs != expected[d]:
            disagree.append(f"due {day(d)}: here {day(expected[d])}, work_days_after {day(theirs)}")
    check(not disagree, f"this script's count agrees with govuk-bank-holidays' work_days_after() for {compared - len(disagree)} of "
          f"{compared} due dates whose escalation falls by {peer_end}" + (f"; first: {disagree[:3]}" if disagree else ""))
    for due, want in NAMED:
        check(expected[due] == want, f"independent reckoning: due {day(due)} escalates on {day(expected[due])} (issue: {day(want)})")

    # Flourish: a fresh database, a secretariat and a chair.
    with tempfile.TemporaryDirectory(prefix="flourish-working-days-") as work:
        fl = Flourish(binary, work)
        fl.must("init")
        fl.must("person", "add", SECRETARIAT, "--name", "Wendy Secretariat")
        fl.must("person", "add", CHAIR, "--name", "Dara Chair")
        fl.must("member", "add", SECRETARIAT, "--body", ALLIANCE, "--role", "secretariat")
        fl.must("member", "add", CHAIR, "--body", GROUP, "--role", "chair")

        # One import of every due date: those whose escalation day falls past the calendar must be
        # refused, and (all-or-nothing) nothing written.
        every = os.path.join(work, "every-day.csv")
        write_csv(every, dues)
        r = fl.run("import", "actions", every, "--as", SECRETARIAT)
        out = r.stdout + r.stderr
        refused = {}
        for m in re.finditer(r"line (\d+), column ([a-z_]+): (.*)", out):
            refused[dues[int(m.group(1)) - 2]] = (m.group(2), m.group(3))
        cover = re.search(r"covers (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})", out)
        calendar_end = dt.date.fromisoformat(cover.group(2)) if cover else None
        if calendar_end is None:
            check(r.returncode == 0, f"import of all {len(dues)} due dates: exit {r.returncode}; {out.strip()[:300]}")
            past = []
        else:
            past = [d for d in dues if expected[d] > calendar_end]
            check(r.returncode != 0 and "nothing was imported" in out,
                  f"import of all {len(dues)} due dates is refused as a whole (exit {r.returncode}): the calendar ends {calendar_end}")
            wrong_field = [d for d, (col, _) in refused.items() if col != "due_date" or "too late" not in refused[d][1]]
            check(set(refused) == set(past) and not wrong_field,
                  f"it refuses exactly the {len(past)} due dates whose escalation day falls after {calendar_end} "
                  f"(due {day(past[0])} to {day(past[-1])}, escalating {day(expected[past[0]])} to {day(expected[past[-1]])}), "
                  f"each on due_date as too late for the calendar"
                  + (f"; refused but expected to fit: {[day(d) for d in sorted(set(refused) - set(past))][:5]}" if set(refused) - set(past) else "")
                  + (f"; expected refusals missing: {[day(d) for d in sorted(set(past) - set(refused))][:5]}" if set(past) - set(refused) else "")
                  + (f"; other problems: {wrong_field[:3]}" if wrong_field else ""))
            if past:
                print(f"     e.g. due {day(past[0])}: {refused.get(past[0], ('', 'not refused'))[1][:220]}", flush=True)
            kept = [d for d in dues if d not in set(past)]
            fitting = os.path.join(work, "fitting.csv")
            write_csv(fitting, kept)
            r = fl.run("import", "actions", fitting, "--as", SECRETARIAT)
            check(r.returncode == 0 and f"Imported {len(kept)} actions" in r.stdout,
                  f"import of the other {len(kept)} due dates (to {day(kept[-1])}): exit {r.returncode}, "
                  f"{(r.stdout.strip() or r.stderr.strip()).split(':')[0][:120]}")

        got = {}
        for inst in fl.every("instance", "list", "--workflow", "action", name="instances"):
            data = inst["data"]
            got[dt.date.fromisoformat(data["dueDate"])] = (inst["id"], data.get("escalatesOn"))
        to_check = [d for d in dues if d not in set(past)]
        missing = [d for d in to_check if d not in got]
        check(not missing, f"Flourish holds an action for each of the {len(to_check)} imported due dates"
              + (f"; missing {len(missing)}, first {[day(d) for d in missing[:3]]}" if missing else ""))
        mismatches = []
        for d in to_check:
            if d not in got:
                continue
            theirs = got[d][1]
            if theirs != expected[d].isoformat():
                mismatches.append((d, expected[d], theirs))
        matched = len(to_check) - len(missing) - len(mismatches)
        check(not mismatches, f"escalatesOn equals the independent reckoning for {matched} of {len(to_check)} due dates "
              f"({day(to_check[0])} to {day(to_check[-1])})")
        for d, want, theirs in mismatches[:10]:
            shown = day(dt.date.fromisoformat(theirs)) if theirs and re.fullmatch(r"\d{4}-\d{2}-\d{2}", theirs) else repr(theirs)
            print(f"       due {day(d)}: expected {day(want)}, Flourish {shown}", flush=True)
        if len(mismatches) > 10:
            print(f"       ... and {len(mismatches) - 10} more", flush=True)

        # The named cases, through Flourish: escalatesOn, and the tolerance timer set for the
        # start of that day in the partnership's time zone.
        from zoneinfo import ZoneInfo
        zone = ZoneInfo(norfolk.get("timeZone", "Europe/London"))
        for due, want in NAMED:
            ident, theirs = got.get(due, (None, None))
            check(theirs == want.isoformat(), f"Flourish: due {day(due)} escalates on {theirs} (issue: {day(want)})")
            if ident is None:
                continue
            shown = json.loads(fl.must("instance", "show", ident, "--json").stdout)
            timers = {t["name"]: t["dueAt"] for t in shown.get("timers", [])}
            start = dt.datetime.combine(want, dt.time(0), zone).astimezone(dt.timezone.utc)
            at = timers.get("tolerance")
            at_utc = dt.datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
            check(at_utc == start, f"Flourish: its tolerance timer fires at {at} (start of {want} in {zone.key}: "
                  f"{start.strftime('%Y-%m-%dT%H:%M:%SZ')})")

    passed = sum(ok for ok, _ in results)
    failed = len(results) - passed
    print(f"working days: {passed} passed, {failed} failed ({time.monotonic() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
