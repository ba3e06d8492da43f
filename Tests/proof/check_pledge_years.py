#!/usr/bin/env python3
"""A multi-year acceptance test of the Norfolk partnership through the CLI on the simulated clock.

A fresh database in a temporary folder is run from Monday 5 January 2026 to Friday 31 March 2028
with `--now`, and `flourish tick --now ...` fires the due timers: before, at and after every moment
something is expected (the minute before the start of the day it falls due, the start of that day,
and the start of the next), so each check sees both "not yet" and "now". The cast:

  - a secretariat (`sam`) and the chair of the Early Prevention Board (`erin`);
  - Acme Ltd: pledges, reports on its due day (at 23:30: "by D" allows the whole of day D, so it
    must never get an overdue notice; the test confirms D is Flourish's own due day, and ticks at
    its start and the minute before the report) and renews, twice; one of its pledges is rejected;
  - Bramble Primary: reports late (the overdue notice exactly at the start of the day after the
    due date), then renews after its renewal reminder;
  - Coastal Carers: reports early, never renews and lapses as its lapsesOn day begins (its messages
    ask for a renewal by the day before); it also leaves a draft pledge that was never sent (so
    never "made");
  - Dunes Health: withdraws from the scheme half way through its year (its timers never fire; its
    pledge then counts as made, not approved);
  - one group action due on Friday 28 August 2026, before the August bank holiday weekend, never
    completed: overdue at the start of Saturday 29 August, escalated at the start of the
    (N+1)th working day after its due date (N from the partnership file);
  - a monthly measure whose first value is recorded on its due day (no flag) and whose second is
    never recorded (flagged at the start of the next day, which is the day the clocks go forward);
  - an escalation raised by hand and resolved by the Alliance, so the annual report has raised,
    resolved and still-open escalations.

Every expected date is reckoned here from `Workflows/partnerships/norfolk.json` (the pledge year
from approval, checkInAfter, reportReminderBefore, reportDueWorkingDays, renewalGrace, the
escalation tolerance), the rules the README and the workflow files state in words, and this
script's own bank-holiday calendar (govuk-bank-holidays' bundled GOV.UK data, cross-checked with
the standing rules of `check_working_days.py`), never read back from Flourish. The rules are the
README's: "One meaning for 'by'" (under "Actions and measures") for the dates, and what the
report counts (under "The annual report and open data") for the figures. The reckoning, with its
model of time: a pledge year approved on day A covers A .. E-1, where E = A+P1Y is `yearEnds`
(README: it "ends as 12 January 2027 begins", its last day 11 January); a period or an offset
measured from the end of the year starts at the start of E:
  - check-in: the start of A + checkInAfter;        report reminder: the start of E - reportReminderBefore;
  - year end and renewal due: the start of E;
  - the report is due by the reportDueWorkingDays-th working day after E (E itself never counts:
    approved 12 January 2026, due by 9 February 2027) and is overdue at the start of the next day
    ("by D" allows the whole of day D);
  - lapsesOn = E + renewalGrace: the membership lapses as that day begins, so the last day to renew
    (the "by" date its messages give) is the day before; the renewal reminder comes "a month
    before the grace period ends" (scheme-membership.workflow.json), a month before lapsesOn;
  - a measure's next value is due "one period on" from the day it was defined or last recorded,
    and a missing one is flagged at the start of the day after;
  - the annual report's pledges: made = submitted at least once; approved = approved and not
    withdrawn by the report's moment (one withdrawn after approval is made, not approved).
Checked: each pledge's and membership's dates and pending timers, the tick on which each timer
fires (and that nothing else of the cast fires), every message each organisation's contact gets
(template and createdAt, and the dates written in words in their bodies), the chair's action and
measure messages, membership states over time (`org show --json`), and the 2026 annual report's
pledge and escalation figures against counts made here from `export pledges` (CSV and JSON), the
secretariat's `pledge list --json`, `escalation list --json` and this script's own ledger.

Prints one line per check and `pledge years: N passed, M failed`; exits 1 on any failure.
FLOURISH_BIN names the binary (default .build/debug/flourish).
"""
import collections, csv, datetime as dt, io, json, os, pathlib, re, subprocess, sys, tempfile, time
from zoneinfo import ZoneInfo

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from served import flourish_binary
from check_working_days import load_peer, rule_holidays

ROOT = HERE.parents[1]
ONE_DAY = dt.timedelta(days=1)
START, END = dt.datetime(2026, 1, 5, 8, 0), dt.datetime(2028, 3, 31, 12, 0)
ALLIANCE, GROUP = "children-and-young-people-strategic-alliance", "early-prevention-board"
YEAR = 2026  # the annual report checked

results = []


def check(ok, line):
    results.append((bool(ok), line))
    print(f"{'ok  ' if ok else 'FAIL'} {line}", flush=True)
    return ok


def day(d):
    return f"{d.strftime('%a')} {d.isoformat()}"


def words(d):
    return f"{d.day} {d.strftime('%B')} {d.year}"


# MARK: - The independent calendar and date arithmetic

def add_months(d, n):
    """Calendar months, clamped to the month's end (P1M from 31 January is 28 or 29 February,
    P1Y from 29 February is 28 February), as ISO 8601 durations are added to dates."""
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - ONE_DAY).day
    return dt.date(y, m, min(d.day, last))


def months_of(duration):
    """PnY / PnM as months; anything else is not a setting this script can reckon."""
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?", duration)
    if not m or not any(m.groups()):
        sys.exit(f"pledge years: cannot reckon the duration {duration!r} of the partnership file")
    return int(m.group(1) or 0) * 12 + int(m.group(2) or 0)


class Calendar:
    def __init__(self):
        BankHolidays, self.version = load_peer()
        peer = BankHolidays(use_cached_holidays=True)
        bundled = collections.defaultdict(set)
        for h in peer.get_holidays(division=BankHolidays.ENGLAND_AND_WALES):
            bundled[h["date"].year].add(h["date"])
        self.holidays, self.sources = set(), {}
        for y in range(2025, 2031):
            if y in bundled and (y - 1) in bundled:  # a whole bundled year
                self.holidays |= bundled[y]
                self.sources[y] = "govuk-bank-holidays"
                if y in range(2026, 2029):
                    check(bundled[y] == rule_holidays(y), f"calendar: govuk-bank-holidays {self.version} and the standing rules agree on {y}'s "
                          f"{len(bundled[y])} bank holidays")
            else:
                self.holidays |= rule_holidays(y)
                self.sources[y] = "standing rules"

    def working(self, d):
        return d.weekday() < 5 and d not in self.holidays

    def nth_working_day_from(self, first, n):
        """The nth working day counting `first` itself as the first candidate."""
        d, counted = first - ONE_DAY, 0
        while counted < n:
            d += ONE_DAY
            if self.working(d):
                counted += 1
        return d

    def nth_working_day_after(self, d, n):
        """The nth working day strictly after day d."""
        return self.nth_working_day_from(d + ONE_DAY, n)


class Reckoning:
    """Every expected date, from the partnership file and the calendar alone."""

    def __init__(self, norfolk, calendar):
        p = norfolk["pledges"]
        if p["year"]["mode"] != "from-approval":
            sys.exit(f"pledge years: this test reckons pledge years from approval; Norfolk's mode is {p['year']['mode']}")
        self.zone = ZoneInfo(norfolk["timeZone"])
        self.cal = calendar
        self.check_in_months = months_of(p["checkInAfter"])
        self.reminder_months = months_of(p["reportReminderBefore"])
        self.report_working_days = int(p["reportDueWorkingDays"])
        self.grace_months = months_of(p["renewalGrace"])
        self.tolerance_working_days = int(norfolk["escalation"]["toleranceBreach"]["overdueWorkingDays"])
        self.settings = (f"checkInAfter {p['checkInAfter']}, reportReminderBefore {p['reportReminderBefore']}, reportDueWorkingDays "
                         f"{p['reportDueWorkingDays']}, renewalGrace {p['renewalGrace']}, overdueWorkingDays {self.tolerance_working_days}")

    def pledge(self, approved):
        ends = add_months(approved, 12)  # yearEnds: the year is over as this day begins
        report_due = self.cal.nth_working_day_after(ends, self.report_working_days)  # README: "the 20th working day after `yearEnds`"
        lapses = add_months(ends, self.grace_months)  # lapsesOn: the membership lapses as this day begins
        return {
            "yearStarts": approved, "lastDay": ends - ONE_DAY, "yearEnds": ends,
            "checkInOn": add_months(approved, self.check_in_months),
            "reportReminderOn": add_months(ends, -self.reminder_months),
            "reportDueOn": report_due, "overdueFrom": report_due + ONE_DAY,
            "renewalDueOn": ends, "renewBy": lapses - ONE_DAY, "lapsesOn": lapses,
            "renewalReminderOn": add_months(lapses, -1),
        }

    def action(self, due):
        return {"overdueFrom": due + ONE_DAY, "escalatesOn": self.cal.nth_working_day_after(due, self.tolerance_working_days + 1)}

    def start_of(self, d):
        """The start of day d in the partnership's time zone, in UTC as Flourish writes it."""
        return dt.datetime.combine(d, dt.time(0), self.zone).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def at(self, moment):
        return moment.replace(tzinfo=self.zone).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def local(s):
    return dt.datetime.fromisoformat(s)


def midnight(d):
    return dt.datetime.combine(d, dt.time(0))


# MARK: - Flourish through its CLI

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def utc_stamps(value):
    """The JSON `value` with every timestamp written as UTC (`2026-10-07T23:00:00Z`), whatever
    offset Flourish gave it (`2026-10-08T00:00:00+01:00` is the same moment): this script
    compares moments, reckoned in UTC, not the offset they are written with."""
    if isinstance(value, dict):
        return {k: utc_stamps(v) for k, v in value.items()}
    if isinstance(value, list):
        return [utc_stamps(v) for v in value]
    if isinstance(value, str) and STAMP.fullmatch(value):
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond // 1000:03d}" if "." in value else "") + "Z"
    return value


class Flourish:
    def __init__(self, binary, work):
        self.base = [binary, "--workflows", str(ROOT / "Workflows"), "--db", os.path.join(work, "years.sqlite"), "--partnership", "norfolk"]
        self.calls = 0

    def run(self, now, *args, as_=None, json_out=False):
        cmd = self.base + ["--now", now.strftime("%Y-%m-%dT%H:%M")] + (["--as", as_] if as_ else []) + (["--json"] if json_out else []) + list(args)
        self.calls += 1
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def must(self, now, *args, as_=None, json_out=False):
        r = self.run(now, *args, as_=as_, json_out=json_out)
        if r.returncode != 0:
            sys.exit(f"pledge years: at {now} `flourish {' '.join(args)}` (as {as_}) failed (exit {r.returncode}): {r.stdout.strip()[:300]} {r.stderr.strip()[:300]}")
        return utc_stamps(json.loads(r.stdout)) if json_out else r.stdout

    def pages(self, now, *args, name, as_=None, limit=100):
        """A paged list read to its end: `flourish --json ARGS --limit N`, then `--after` each
        page's `next` until it is null (each page is {name: [...], "total": N, "next": ...}).
        Returns (every item in order, the total the first page gave)."""
        items, after, seen, total = [], None, set(), None
        while True:
            page = self.must(now, *args, "--limit", str(limit), *(["--after", after] if after is not None else []), as_=as_, json_out=True)
            if not isinstance(page, dict) or not isinstance(page.get(name), list):
                sys.exit(f"pledge years: at {now} `flourish {' '.join(args)}` printed no page of {name}: {str(page)[:300]}")
            items += page[name]
            total = page.get("total") if total is None else total
            after = page.get("next")
            if after is None:
                return items, total
            if after in seen:
                sys.exit(f"pledge years: at {now} `flourish {' '.join(args)}`: the page after {after!r} came round again")
            seen.add(after)

    def every(self, now, *args, name, as_=None, limit=100):
        """Every item of a paged list (see `pages`)."""
        return self.pages(now, *args, name=name, as_=as_, limit=limit)[0]


# MARK: - The scenario

class Scenario:
    """A schedule of ticks, commands and probes, run in time order."""

    def __init__(self, fl, rk):
        self.fl, self.rk = fl, rk
        self.items = []        # (moment, order, seq, label, fn)
        self.ticked = {}       # moment -> [fired timer dicts]
        self.ids = {}          # labels -> Flourish ids
        self.expected = []     # (label, instance label, timer name, day, fires)
        self.notes = []

    def add(self, moment, fn, order=1, label=""):
        self.items.append((moment, order, len(self.items), label, fn))

    def tick_at(self, moment):
        if moment <= END and not any(m == moment and o == 0 for m, o, *_ in self.items):
            self.add(moment, lambda m=moment: self.tick(m), order=0, label="tick")

    def tick(self, moment):
        self.ticked[moment] = self.fl.must(moment, "tick", json_out=True)

    def expect_timer(self, label, instance, timer, d, fires=True):
        """A timer of `instance` (a label) falling due at the start of day d; ticks around it."""
        self.expected.append((label, instance, timer, d, fires))
        for m in (midnight(d) - dt.timedelta(minutes=1), midnight(d), midnight(d + ONE_DAY)):
            self.tick_at(m)

    def run(self):
        for moment, _, _, _, fn in sorted(self.items, key=lambda i: (i[0], i[1], i[2])):
            fn()


def main():
    started = time.monotonic()
    binary = flourish_binary("pledge years")
    norfolk = json.loads((ROOT / "Workflows" / "partnerships" / "norfolk.json").read_text(encoding="utf-8"))
    cal = Calendar()
    rk = Reckoning(norfolk, cal)
    print(f"     Norfolk's settings: {rk.settings}; bank holidays: " +
          ", ".join(f"{y} {s}" for y, s in sorted(cal.sources.items())), flush=True)

    ex = rk.pledge(dt.date(2026, 1, 12))  # the README's worked example ("One meaning for 'by'")
    check((ex["lastDay"], ex["yearEnds"], ex["reportDueOn"]) == (dt.date(2027, 1, 11), dt.date(2027, 1, 12), dt.date(2027, 2, 9)),
          f"reckoning: approved 12 January 2026, the year's last day is {day(ex['lastDay'])}, yearEnds {day(ex['yearEnds'])}, report due by "
          f"{day(ex['reportDueOn'])} (README: 11 January, 12 January 2027, 9 February 2027)")

    # The scenario's own inputs: who does what when (London time).
    A_REG, A1_APPROVE = local("2026-01-05T09:00"), local("2026-01-05T11:00")
    AREJ_SUBMIT, AREJ_REJECT = local("2026-02-02T10:00"), local("2026-02-03T10:00")
    MEASURE_DEFINED = local("2026-01-31T10:00")
    E1_RAISED, E1_RESOLVED = local("2026-03-02T10:00"), local("2026-03-10T10:00")
    B_REG, B1_SUBMIT, B1_APPROVE = local("2026-03-02T09:00"), local("2026-03-10T10:00"), local("2026-03-12T11:00")
    D_REG, D1_SUBMIT, D1_APPROVE, D_WITHDRAW = local("2026-04-01T09:00"), local("2026-04-08T10:00"), local("2026-04-10T11:00"), local("2026-09-15T10:00")
    ACTION_LOGGED, ACTION_DUE = local("2026-06-01T10:00"), dt.date(2026, 8, 28)
    C_REG, C1_SUBMIT, C1_APPROVE, C_DRAFT = local("2026-11-02T09:00"), local("2026-11-20T10:00"), local("2026-11-30T11:00"), local("2026-12-01T10:00")
    A2_SUBMIT, A2_APPROVE = local("2027-01-12T10:00"), local("2027-01-20T11:00")
    B_LATE_REPORT = local("2027-04-20T10:00")
    B2_SUBMIT, B2_APPROVE = local("2027-05-14T10:00"), local("2027-05-20T11:00")
    C1_REPORT = local("2027-12-10T10:00")
    A3_SUBMIT, A3_APPROVE = local("2028-02-01T10:00"), local("2028-02-21T11:00")
    YEAR_END = local(f"{YEAR}-12-31T23:59")
    BEFORE_WITHDRAWAL = D_WITHDRAW - dt.timedelta(minutes=1)

    orgs = {
        "A": dict(name="Acme Ltd", key="acme-ltd", kind="business", district="norwich", size="small", postcode="NR1 1AA", email="ada@acme.example", contact_name="Ada Acme"),
        "B": dict(name="Bramble Primary School", key="bramble-primary-school", kind="school-or-college", district="breckland", size="medium", postcode="IP25 6AA", email="ben@bramble.example", contact_name="Ben Bramble"),
        "C": dict(name="Coastal Carers", key="coastal-carers", kind="voluntary-or-community-organisation", district="great-yarmouth", size="micro", postcode="NR30 1AA", email="cat@coastal.example", contact_name="Cat Coast"),
        "D": dict(name="Dunes Health", key="dunes-health", kind="health-provider", district="north-norfolk", size="large", postcode="NR27 9AA", email="dee@dunes.example", contact_name="Dee Dunes"),
    }
    # The ledger: every pledge as this script made it happen.
    pledges = {
        "A1": dict(org="A", areas=["opportunity", "learning"], submit=local("2026-01-05T09:45"), approve=A1_APPROVE),
        "Arej": dict(org="A", areas=["safe-and-secure"], submit=AREJ_SUBMIT, reject=AREJ_REJECT),
        "B1": dict(org="B", areas=["learning", "resilience"], submit=B1_SUBMIT, approve=B1_APPROVE),
        "D1": dict(org="D", areas=["healthy", "individual"], submit=D1_SUBMIT, approve=D1_APPROVE, withdrawn=D_WITHDRAW),
        "C1": dict(org="C", areas=["family-and-friends", "healthy"], submit=C1_SUBMIT, approve=C1_APPROVE),
        "Cdraft": dict(org="C", areas=["understood"], draft=C_DRAFT),
        "A2": dict(org="A", areas=["family-and-friends"], submit=A2_SUBMIT, approve=A2_APPROVE),
        "B2": dict(org="B", areas=["opportunity"], submit=B2_SUBMIT, approve=B2_APPROVE),
        "A3": dict(org="A", areas=["understood", "learning"], submit=A3_SUBMIT, approve=A3_APPROVE),
    }
    dates = {p: rk.pledge(v["approve"].date()) for p, v in pledges.items() if "approve" in v}
    A1, A2, B1, C1, D1 = dates["A1"], dates["A2"], dates["B1"], dates["C1"], dates["D1"]
    # Acme reports at 23:30 on its due day; Bramble after its overdue day; Coastal before its due day.
    pledges["A1"].update(report=midnight(A1["reportDueOn"]) + dt.timedelta(hours=23, minutes=30), outcome="delivered", on_due_day=True)
    pledges["A2"].update(report=midnight(A2["reportDueOn"]) + dt.timedelta(hours=23, minutes=30), outcome="delivered", on_due_day=True)
    pledges["B1"].update(report=B_LATE_REPORT, outcome="not-delivered")
    pledges["C1"].update(report=C1_REPORT, outcome="partly-delivered")
    action = rk.action(ACTION_DUE)
    m_due1 = add_months(MEASURE_DEFINED.date(), 1)       # one period on from the day it was defined
    m_recorded = midnight(m_due1) + dt.timedelta(hours=15)
    m_due2 = add_months(m_due1, 1)                      # one period on from the day it was recorded

    # The scenario's own assumptions, so a change of settings cannot quietly hollow it out.
    assumptions = [
        (B_LATE_REPORT.date() > B1["overdueFrom"], "Bramble reports after its overdue day"),
        (B2_APPROVE.date() > B1["renewalReminderOn"] and B2_APPROVE.date() <= B1["renewBy"], "Bramble renews after its reminder, within grace"),
        (A2_APPROVE.date() < A1["renewalReminderOn"] and A3_APPROVE.date() < A2["renewalReminderOn"], "Acme renews before its reminders"),
        (C1_REPORT.date() < C1["reportDueOn"] and C1["lapsesOn"] < END.date(), "Coastal reports early and lapses within the run"),
        (D_WITHDRAW.date() < D1["checkInOn"], "Dunes withdraws before its check-in"),
        (ACTION_DUE.weekday() == 4 and any(not cal.working(ACTION_DUE + k * ONE_DAY) and (ACTION_DUE + k * ONE_DAY).weekday() < 5 for k in (1, 3)),
         "the action is due on a Friday before a bank holiday weekend"),
    ]
    for ok, what in assumptions:
        if not ok:
            sys.exit(f"pledge years: the scenario no longer holds: {what}")
    print(f"     reckoned here: Acme's report due by {day(A1['reportDueOn'])} and {day(A2['reportDueOn'])}; Bramble's by {day(B1['reportDueOn'])}; "
          f"Coastal renews by {day(C1['renewBy'])}; the action (due {day(ACTION_DUE)}) escalates on {day(action['escalatesOn'])}", flush=True)

    work = tempfile.TemporaryDirectory(prefix="flourish-pledge-years-")
    fl = Flourish(binary, work.name)
    sc = Scenario(fl, rk)
    ids, contacts, memberships = sc.ids, {}, {}
    probes = []  # (moment, line, ok), checked after the run

    # --- set-up
    def setup():
        fl.must(START, "init")
        fl.must(START, "person", "add", "sam", "--name", "Sam Secretariat", "--email", "sam@example.org")
        fl.must(START, "member", "add", "sam", "--body", ALLIANCE, "--role", "secretariat")
        fl.must(START, "person", "add", "erin", "--name", "Erin Early", "--email", "erin@example.org")
        fl.must(START, "member", "add", "erin", "--body", GROUP, "--role", "chair")
    sc.add(START, setup, label="set-up")

    def register(o, moment):
        def go():
            v = orgs[o]
            out = fl.must(moment, "org", "register", "--name", v["name"], "--kind", v["kind"], "--district", v["district"], "--size", v["size"],
                          "--postcode", v["postcode"], "--contact-name", v["contact_name"], "--contact-email", v["email"], as_="sam", json_out=True)
            if out.get("key") != v["key"]:
                sys.exit(f"pledge years: {v['name']} registered as {out.get('key')}, not {v['key']}")
            contacts[o] = fl.must(moment, "org", "contacts", v["key"], as_="sam", json_out=True)[0]["person"]
            for inst in fl.every(moment, "instance", "list", "--workflow", "scheme-membership", name="instances"):
                if inst["data"].get("organisation") == v["key"]:
                    memberships[o] = inst["id"]
        sc.add(moment, go, label=f"register {o}")

    def pledge_flow(p):
        v = pledges[p]
        o = v["org"]
        made_at = v.get("draft") or v["submit"] - dt.timedelta(minutes=5)

        def create():
            out = fl.must(made_at, "pledge", "create", "--org", orgs[o]["key"], "--text", f"Pledge {p}: something new for children",
                          "--areas", ",".join(v["areas"]), as_=contacts[o])
            m = re.search(r"Drafted (pledge-\d+)", out)
            if not m:
                sys.exit(f"pledge years: pledge create said {out!r}")
            ids[p] = m.group(1)
        sc.add(made_at, create, label=f"create {p}")
        if "submit" in v:
            sc.add(v["submit"], lambda: fl.must(v["submit"], "pledge", "submit", ids[p], as_=contacts[o]), label=f"submit {p}")
        if "reject" in v:
            sc.add(v["reject"], lambda: fl.must(v["reject"], "pledge", "reject", ids[p], "--reason", "Not new this year", as_="sam"), label=f"reject {p}")
        if "approve" in v:
            d = dates[p]

            def approve():
                fl.must(v["approve"], "pledge", "approve", ids[p], as_="sam")
                shown = fl.must(v["approve"], "pledge", "show", ids[p], as_="sam", json_out=True)
                data, timers = shown["instance"]["data"], {t["name"]: t["dueAt"] for t in shown.get("timers", [])}
                for field in ("yearStarts", "yearEnds", "checkInOn", "reportReminderOn", "reportDueOn"):
                    got = data.get(field)
                    want = d[field].isoformat()
                    extra = ""
                    if field == "reportDueOn" and got and got != want:
                        g = dt.date.fromisoformat(got)
                        extra = (f"; Flourish's {day(g)} is working day number {sum(cal.working(d['yearEnds'] + k * ONE_DAY) for k in range(1, (g - d['yearEnds']).days + 1))} "
                                 f"after yearEnds {day(d['yearEnds'])} (the year's last day is {day(d['lastDay'])})")
                    probes.append((v["approve"], f"{p} ({ids[p]}, approved {day(d['yearStarts'])}): {field} {got} (reckoned {day(d[field])}){extra}", got == want))
                want_timers = {"check-in": d["checkInOn"], "report-reminder": d["reportReminderOn"], "year-end": d["yearEnds"], "report-deadline": d["overdueFrom"]}
                for name, when in want_timers.items():
                    probes.append((v["approve"], f"{p}: its {name} timer is due {timers.get(name)} (reckoned the start of {day(when)}: {rk.start_of(when)})",
                                   timers.get(name) == rk.start_of(when)))
                probes.append((v["approve"], f"{p}: no other pending timer: {sorted(set(timers) - set(want_timers))}", set(timers) == set(want_timers)))
                ms = fl.must(v["approve"], "instance", "show", memberships[o], as_="sam", json_out=True)
                mdata, mtimers = ms["instance"]["data"], {t["name"]: t["dueAt"] for t in ms.get("timers", [])}
                who = f"{p}: {orgs[o]['name']}'s membership {memberships[o]}"
                probes.append((v["approve"], f"{who} names this pledge: {mdata.get('pledge')} ({ids[p]})", mdata.get("pledge") == ids[p]))
                for field, want, meaning in (("renewalDueOn", d["renewalDueOn"], "the year's end"), ("lapsesOn", d["lapsesOn"], "the day it lapses as it begins, the day after the last day to renew"),
                                             ("renewalReminderOn", d["renewalReminderOn"], "a month before the grace period ends")):
                    probes.append((v["approve"], f"{who}: {field} {mdata.get(field)} (reckoned {meaning}: {day(want)})", mdata.get(field) == want.isoformat()))
                for name, when in (("renewal", d["renewalDueOn"]), ("renewal-reminder", d["renewalReminderOn"]), ("lapse", d["lapsesOn"])):
                    probes.append((v["approve"], f"{who}: its {name} timer is due {mtimers.get(name)} (reckoned the start of {day(when)}: {rk.start_of(when)})",
                                   mtimers.get(name) == rk.start_of(when)))
            sc.add(v["approve"], approve, label=f"approve {p}")
        if "report" in v:
            def report():
                if v.get("on_due_day"):
                    # "By D" allows the whole of day D: at 23:30 on Flourish's own due day the report is due, not overdue.
                    shown = fl.must(v["report"], "pledge", "show", ids[p], as_="sam", json_out=True)["instance"]
                    due, state = shown["data"].get("reportDueOn"), shown["state"]
                    probes.append((v["report"], f"{p}: reporting at {v['report']:%a %Y-%m-%d %H:%M}, on Flourish's own due day ({due}), "
                                   f"the pledge is {state} (expected report-due, not report-overdue)",
                                   due == v["report"].date().isoformat() and state == "report-due"))
                fl.must(v["report"], "pledge", "report", ids[p], "--outcome", v["outcome"], "--evidence", "What we did.", as_=contacts[o])
                if v.get("on_due_day"):
                    state = fl.must(v["report"], "pledge", "show", ids[p], as_="sam", json_out=True)["instance"]["state"]
                    probes.append((v["report"], f"{p}: after its report at {v['report']:%H:%M} on its due day the pledge is {state} (expected reported)",
                                   state == "reported"))
            sc.add(v["report"], report, label=f"report {p}")

    def membership_probe(moment, o, state, on_wall=None):
        def go():
            shown = fl.must(moment, "org", "show", orgs[o]["key"], as_="sam", json_out=True)
            ok = shown.get("membership") == state and (on_wall is None or shown.get("onWall") == on_wall)
            probes.append((moment, f"at {moment:%a %Y-%m-%d %H:%M} {orgs[o]['name']} is {shown.get('membership')}"
                           + (f", onWall {shown.get('onWall')}" if on_wall is not None else "")
                           + f" (expected {state}" + (f", onWall {on_wall}" if on_wall is not None else "") + ")", ok))
        sc.add(moment, go, order=2, label=f"probe {o}")

    # --- Acme
    register("A", A_REG)
    for p in ("A1", "Arej", "A2", "A3"):
        pledge_flow(p)
    # --- the measure
    def define_measure():
        out = fl.must(MEASURE_DEFINED, "measure", "define", "--group", GROUP, "--name", "Families reached by hubs", "--unit", "count",
                      "--direction", "higher-is-better", "--baseline", "10", "--target", "20", "--tolerance", "5", "--frequency", "monthly",
                      "--area", "healthy", as_="erin", json_out=True)
        ids["M"] = out["id"]
        probes.append((MEASURE_DEFINED, f"measure {out['id']} defined {day(MEASURE_DEFINED.date())}: first value due {out['data'].get('valueDueOn')} "
                       f"(reckoned one month on: {day(m_due1)})", out["data"].get("valueDueOn") == m_due1.isoformat()))
    sc.add(MEASURE_DEFINED, define_measure, label="define measure")

    def record_measure():
        fl.must(m_recorded, "measure", "record", ids["M"], "--period", m_due1.strftime("%Y-%m"), "--value", "22", as_="erin")
        shown = fl.must(m_recorded, "instance", "show", ids["M"], as_="sam", json_out=True)
        data, timers = shown["instance"]["data"], {t["name"]: t["dueAt"] for t in shown.get("timers", [])}
        probes.append((m_recorded, f"measure value recorded on its due day {day(m_due1)} 15:00: next due {data.get('valueDueOn')} "
                       f"(reckoned {day(m_due2)}), missingValue {data.get('missingValue')}, timer {timers.get('value-due')} "
                       f"(reckoned the start of {day(m_due2 + ONE_DAY)})",
                       data.get("valueDueOn") == m_due2.isoformat() and not data.get("missingValue")
                       and timers.get("value-due") == rk.start_of(m_due2 + ONE_DAY)))
    sc.add(m_recorded, record_measure, label="record measure")

    # --- the escalation raised by hand and resolved
    def raise_e1():
        fl.must(E1_RAISED, "escalation", "raise", "--from", GROUP, "--title", "Waiting lists for family support", "--severity", "low",
                "--areas", "healthy", as_="erin")
        newest = fl.must(E1_RAISED, "escalation", "list", "--limit", "1", as_="sam", json_out=True)  # newest first
        ids["E1"] = newest["escalations"][0]["escalation"]["id"]
    sc.add(E1_RAISED, raise_e1, label="raise E1")
    sc.add(E1_RESOLVED, lambda: fl.must(E1_RESOLVED, "escalation", "decide", ids["E1"], "--body", ALLIANCE, "--outcome", "resolved",
                                         "--rationale", "Extra sessions agreed", as_="sam"), label="resolve E1")
    # --- Bramble, Dunes, Coastal
    register("B", B_REG)
    for p in ("B1", "B2"):
        pledge_flow(p)
    register("D", D_REG)
    pledge_flow("D1")
    sc.add(D_WITHDRAW, lambda: fl.must(D_WITHDRAW, "org", "withdraw", orgs["D"]["key"], "--reason", "Merging with another trust", as_=contacts["D"]),
           label="withdraw D")
    register("C", C_REG)
    for p in ("C1", "Cdraft"):
        pledge_flow(p)

    # --- the action
    def log_action():
        out = fl.must(ACTION_LOGGED, "action", "log", "--group", GROUP, "--title", "Family hubs in every district", "--areas",
                      "family-and-friends,healthy", "--owner", "erin", "--due", ACTION_DUE.isoformat(), as_="erin", json_out=True)
        a = out["action"]
        ids["ACT"] = a["id"]
        timers = {t["name"]: t["dueAt"] for t in fl.must(ACTION_LOGGED, "instance", "show", a["id"], as_="sam", json_out=True).get("timers", [])}
        probes.append((ACTION_LOGGED, f"action {a['id']} due {day(ACTION_DUE)}: escalatesOn {a['data'].get('escalatesOn')} (reckoned: working day "
                       f"number {rk.tolerance_working_days + 1} after it, {day(action['escalatesOn'])})",
                       a["data"].get("escalatesOn") == action["escalatesOn"].isoformat()))
        probes.append((ACTION_LOGGED, f"action timers {sorted(timers.items())} fire at the starts of {day(action['overdueFrom'])} (due) and "
                       f"{day(action['escalatesOn'])} (tolerance)",
                       timers == {"due": rk.start_of(action["overdueFrom"]), "tolerance": rk.start_of(action["escalatesOn"])}))
    sc.add(ACTION_LOGGED, log_action, label="log action")

    # --- expected timers (day they fall due; whether they fire)
    def pledge_timers(p, fires_check_in=True, fires_reminder=True, fires_year_end=True, fires_overdue=False):
        d = dates[p]
        for name, when, fires in (("check-in", d["checkInOn"], fires_check_in), ("report-reminder", d["reportReminderOn"], fires_reminder),
                                  ("year-end", d["yearEnds"], fires_year_end), ("report-deadline", d["overdueFrom"], fires_overdue)):
            if when <= END.date():
                sc.expect_timer(f"{p} {name}", p, name, when, fires)

    def membership_timers(o, p, renewal=True, reminder=False, lapse=False):
        d = dates[p]
        for name, when, fires in (("renewal", d["renewalDueOn"], renewal), ("renewal-reminder", d["renewalReminderOn"], reminder), ("lapse", d["lapsesOn"], lapse)):
            if when <= END.date():
                sc.expect_timer(f"{orgs[o]['name']} membership {name} (year of {p})", "M" + o, name, when, fires)

    for p in ("A1", "A2"):  # through Acme's due days: nothing may fire at their start, nor just before its 23:30 report
        sc.tick_at(midnight(dates[p]["reportDueOn"]))
        sc.tick_at(pledges[p]["report"] - dt.timedelta(minutes=1))
    pledge_timers("A1")
    membership_timers("A", "A1", reminder=False, lapse=False)
    pledge_timers("A2")
    membership_timers("A", "A2")
    pledge_timers("A3")
    pledge_timers("B1", fires_overdue=True)
    membership_timers("B", "B1", reminder=True)
    pledge_timers("B2")
    pledge_timers("C1")
    membership_timers("C", "C1", reminder=True, lapse=True)
    pledge_timers("D1", False, False, False, False)
    membership_timers("D", "D1", renewal=False)
    sc.expect_timer("action overdue", "ACT", "due", action["overdueFrom"])
    sc.expect_timer("action beyond tolerance", "ACT", "tolerance", action["escalatesOn"])
    sc.expect_timer("measure value 1 missing", "M", "value-due", m_due1 + ONE_DAY, fires=False)
    sc.expect_timer("measure value 2 missing", "M", "value-due", m_due2 + ONE_DAY, fires=True)

    # --- membership states over time
    membership_probe(A1_APPROVE + dt.timedelta(minutes=1), "A", "active", True)
    membership_probe(midnight(A1["renewalDueOn"]) - dt.timedelta(minutes=1), "A", "active")
    membership_probe(midnight(A1["renewalDueOn"]), "A", "renewal-due")
    membership_probe(A2_APPROVE + dt.timedelta(minutes=1), "A", "active", True)
    membership_probe(midnight(A2["renewalDueOn"]), "A", "renewal-due")
    membership_probe(A3_APPROVE + dt.timedelta(minutes=1), "A", "active", True)
    membership_probe(midnight(B1["renewalDueOn"]), "B", "renewal-due")
    membership_probe(B2_APPROVE + dt.timedelta(minutes=1), "B", "active", True)
    membership_probe(D1_APPROVE + dt.timedelta(minutes=1), "D", "active", True)
    membership_probe(D_WITHDRAW + dt.timedelta(minutes=1), "D", "withdrawn", False)
    membership_probe(C1_APPROVE + dt.timedelta(minutes=1), "C", "active", True)
    membership_probe(midnight(C1["renewalDueOn"]), "C", "renewal-due")
    membership_probe(midnight(C1["lapsesOn"]) - dt.timedelta(minutes=1), "C", "renewal-due")
    membership_probe(midnight(C1["lapsesOn"]), "C", "lapsed", False)
    membership_probe(midnight(C1["lapsesOn"] + ONE_DAY), "C", "lapsed", False)

    # --- the year's end: the wall as open data, and the report as the year closes
    snapshots = {}

    def year_end():
        snapshots["csv"] = fl.must(YEAR_END, "export", "pledges", "--format", "csv")
        snapshots["json"] = fl.must(YEAR_END, "export", "pledges", "--format", "json", json_out=False)
        snapshots["report_year_end"] = json.loads(fl.must(YEAR_END, "report", "annual", "--year", str(YEAR), "--format", "json", as_="sam"))
    sc.add(YEAR_END, year_end, order=2, label="year end")
    sc.tick_at(YEAR_END)

    def finish():
        sc.tick(END)
        snapshots["report_end"] = json.loads(fl.must(END, "report", "annual", "--year", str(YEAR), "--format", "json", as_="sam"))
        snapshots["report_before_withdrawal"] = json.loads(fl.must(END, "report", "annual", "--year", str(YEAR), "--format", "json",
                                                                   "--as-of", BEFORE_WITHDRAWAL.strftime("%Y-%m-%dT%H:%M"), as_="sam"))
        snapshots["pledge_list"] = fl.every(END, "pledge", "list", name="pledges", as_="sam")
        snapshots["escalations"] = fl.every(END, "escalation", "list", name="escalations", as_="sam")
        snapshots["histories"] = {e["escalation"]["id"]: fl.every(END, "history", e["escalation"]["id"], name="events", as_="sam")
                                  for e in snapshots["escalations"]}
        snapshots["outbox"] = fl.pages(END, "outbox", "list", name="messages", as_="sam", limit=200)
        snapshots["audit"] = fl.run(END, "audit", "verify")
        snapshots["wall_end"] = fl.must(END, "export", "pledges", "--format", "json")
    sc.add(END, finish, order=3, label="finish")

    sc.run()
    ran = time.monotonic() - started
    print(f"     ran {fl.calls} flourish commands ({len(sc.ticked)} ticks) from {START:%Y-%m-%d} to {END:%Y-%m-%d} in {ran:.1f} s", flush=True)

    # MARK: - Checks
    inst = dict(ids)
    for o, m in memberships.items():
        inst["M" + o] = m

    print("-- dates worked out at approval, pending timers, and Acme's reports on its due days")
    for _, line, ok in sorted(probes, key=lambda x: x[0]):
        if line.startswith("at "):
            continue
        check(ok, line)

    print("-- when each timer fires (tick the minute before the start of its day, at the start, and at the start of the next)")
    fires = collections.defaultdict(list)  # (instance id, timer) -> [(tick moment, dueAt)]
    for moment, fired in sc.ticked.items():
        for t in fired:
            if t.get("fired"):
                fires[(t["instance"], t["name"])].append((moment, t["dueAt"]))
            else:
                sc.notes.append(f"tick {moment}: {t['instance']} {t['name']} did not fire: {t.get('note')}")
    accounted = set()
    for label, il, name, d, should in sc.expected:
        iid = inst.get(il)
        seen = sorted(fires.get((iid, name), []))
        around = [(m, due) for m, due in seen if midnight(d) - dt.timedelta(minutes=1) <= m <= midnight(d + ONE_DAY)]
        before = [x for x in around if x[0] < midnight(d)]
        at = [x for x in around if x[0] == midnight(d)]
        if should:
            accounted |= {(iid, name, m) for m, _ in at}
            where = ", ".join(f"tick {m:%a %Y-%m-%d %H:%M} (dueAt {due})" for m, due in seen) or "never"
            check(not before and len(at) == 1 and at[0][1] == rk.start_of(d),
                  f"{label} ({iid} {name}): not yet at {day(d - ONE_DAY)} 23:59, fires at the start of {day(d)}"
                  + ("" if (not before and len(at) == 1) else f"; it fired: {where}"))
        else:
            check(not around, f"{label} ({iid} {name}): does not fire around {day(d)}"
                  + (f"; it fired at {', '.join(f'{m:%a %Y-%m-%d %H:%M}' for m, _ in around)}" if around else ""))
    cast = {v for k, v in inst.items()}
    unexpected = [(iid, name, m, due) for (iid, name), lst in fires.items() for m, due in lst
                  if iid in cast and (iid, name, m) not in accounted]
    check(not unexpected, "no other timer of the cast's pledges, memberships, action or measure fires"
          + (": " + "; ".join(f"{iid} {name} at tick {m:%a %Y-%m-%d %H:%M} (dueAt {due})" for iid, name, m, due in sorted(unexpected, key=lambda x: x[2])) if unexpected else ""))
    others = collections.Counter(iid.rsplit("-", 1)[0] for (iid, _), lst in fires.items() if iid not in cast for _ in lst)
    print(f"     (timers of other instances that fired, not checked here: {dict(others)})")

    print("-- membership states over time (org show --json)")
    for _, line, ok in sorted(probes, key=lambda x: x[0]):
        if line.startswith("at "):
            check(ok, line)

    print("-- messages in the outbox")
    messages, total = snapshots["outbox"]
    check(total == len(messages) == len({m["id"] for m in messages}),
          f"outbox list, read 200 at a time, gives all {total} messages once each ({len(messages)} read, {len({m['id'] for m in messages})} different)")
    by_to = collections.defaultdict(list)
    for m in messages:
        by_to[m["recipient"]].append(m)

    def expect_mail(o):
        """Every message an organisation's contact should get: (template, createdAt)."""
        out = [("organisation-registered", {"A": A_REG, "B": B_REG, "C": C_REG, "D": D_REG}[o])]
        for p, v in pledges.items():
            if v["org"] != o:
                continue
            if "reject" in v:
                out.append(("pledge-rejected", v["reject"]))
            if "approve" not in v:
                continue
            d = dates[p]
            out.append(("pledge-approved", v["approve"]))
            stop = v.get("withdrawn", END)
            for template, when in (("pledge-check-in", d["checkInOn"]), ("pledge-report-reminder", d["reportReminderOn"]),
                                   ("pledge-report-due", d["yearEnds"])):
                if midnight(when) <= stop:
                    out.append((template, midnight(when)))
            if midnight(d["overdueFrom"]) <= min(stop, v.get("report", END)) and midnight(d["overdueFrom"]) <= END:
                out.append(("pledge-report-overdue", midnight(d["overdueFrom"])))
            # the membership, for as long as this is its latest approved pledge
            nxt = min([w["approve"] for w in pledges.values() if w["org"] == o and "approve" in w and w["approve"] > v["approve"]] + [stop])
            for template, when in (("membership-renewal-due", d["renewalDueOn"]), ("membership-renewal-reminder", d["renewalReminderOn"]),
                                   ("membership-lapsed", d["lapsesOn"])):
                if midnight(when) <= nxt and midnight(when) <= END:
                    out.append((template, midnight(when)))
        return sorted((t, rk.at(m)) for t, m in out)

    for o in "ABCD":
        want = expect_mail(o)
        got = sorted((m["template"], m["createdAt"]) for m in by_to.get(orgs[o]["email"], []))
        missing = [x for x in want if x not in got]
        extra = [x for x in got if x not in want]
        check(not missing and not extra, f"{orgs[o]['name']}'s contact gets exactly its {len(want)} expected messages"
              + (f"; missing {missing}" if missing else "") + (f"; unexpected {extra}" if extra else ""))
    check(not any(m["template"] == "pledge-report-overdue" for m in by_to.get(orgs["A"]["email"], [])),
          f"Acme, reporting at 23:30 on its due days ({day(A1['reportDueOn'])}, {day(A2['reportDueOn'])}), never gets an overdue notice")

    def body(o, template, n=0):
        found = sorted((m for m in by_to.get(orgs[o]["email"], []) if m["template"] == template), key=lambda m: m["createdAt"])
        return found[n]["body"] if len(found) > n else ""

    for p in ("A1", "B1", "C1", "A2"):
        d = dates[p]
        o = pledges[p]["org"]
        n = [q for q in pledges if pledges[q]["org"] == o and "approve" in pledges[q]].index(p)
        sentence = (f"Your pledge year runs from {words(d['yearStarts'])} to {words(d['lastDay'])}. We will check in with you half way, on "
                    f"{words(d['checkInOn'])}, and ask for a short progress report by {words(d['reportDueOn'])}.")
        b = body(o, "pledge-approved", n)
        check(sentence in b, f"{p}'s approval says: \"{sentence}\"" + ("" if sentence in b else f"; it says: {b.split(chr(10) * 2)[2] if b.count(chr(10) * 2) > 2 else b!r}"))
    b = body("B", "pledge-report-overdue")
    check(f"which was due by {words(B1['reportDueOn'])}." in b, f"Bramble's overdue notice says it was due by {words(B1['reportDueOn'])}"
          + ("" if f"due by {words(B1['reportDueOn'])}" in b else f"; it says: {re.search(r'due by [^.]*', b).group(0) if re.search(r'due by [^.]*', b) else b!r}"))
    for template, phrase in (("membership-renewal-due", f"by {words(C1['renewBy'])}."), ("membership-renewal-reminder", f"on {words(C1['lapsesOn'])} unless"),
                             ("membership-lapsed", f"by {words(C1['renewBy'])}, so")):
        b = body("C", template)
        said = re.search(r"(?:by|after|on) \d+ [A-Z][a-z]+ \d{4}", b)
        meaning = "the day it lapses" if template == "membership-renewal-reminder" else "the last day to renew"
        check(phrase in b, f"Coastal's {template} says \"{phrase}\" ({meaning})" + ("" if phrase in b else f"; it says \"{said.group(0) if said else b}\""))
    lapsed_sec = [m for m in by_to.get("sam@example.org", []) if m["template"] == "membership-lapsed-secretariat"]
    check([m["createdAt"] for m in lapsed_sec] == [rk.start_of(C1["lapsesOn"])] and orgs["C"]["name"] in (lapsed_sec[0]["subject"] if lapsed_sec else ""),
          f"the secretariat is told once, at the start of {day(C1['lapsesOn'])}, that Coastal Carers lapsed: {[m['createdAt'] for m in lapsed_sec]}")

    b = lapsed_sec[0]["body"] if lapsed_sec else ""
    check(f"did not renew by {words(C1['renewBy'])} and has lapsed" in b, f"the secretariat's lapse message says Coastal Carers did not renew by {words(C1['renewBy'])}"
          + ("" if f"renew by {words(C1['renewBy'])}" in b else f"; it says {b!r}"))

    chair = sorted((m["template"], m["createdAt"]) for m in by_to.get("erin@example.org", []) if m["template"] in ("action-overdue", "measure-value-missing"))
    want_chair = sorted([("action-overdue", rk.start_of(action["overdueFrom"])), ("measure-value-missing", rk.start_of(m_due2 + ONE_DAY))])
    check(chair == want_chair, f"the chair gets one action-overdue (start of {day(action['overdueFrom'])}) and one measure-value-missing "
          f"(start of {day(m_due2 + ONE_DAY)}, the day the clocks go forward) and no more: {chair}")
    b = next((m["body"] for m in by_to.get("erin@example.org", []) if m["template"] == "action-overdue"), "")
    want = f"was due on {words(ACTION_DUE)} and is not complete. Please post an update, complete it, or agree a new date. If it is still overdue on {words(action['escalatesOn'])} it will be escalated."
    check(want in b, f"the action-overdue message says it was due on {words(ACTION_DUE)} and escalates if still overdue on {words(action['escalatesOn'])}")
    b = next((m["body"] for m in by_to.get("erin@example.org", []) if m["template"] == "measure-value-missing"), "")
    check(f"was due by {words(m_due2)} and has not been recorded" in b, f"the measure-value-missing message says it was due by {words(m_due2)}")

    sec = collections.Counter(m["template"] for m in by_to.get("sam@example.org", []))
    submits = sum("submit" in v for v in pledges.values())
    reports = sum("report" in v for v in pledges.values())
    check(sec["pledge-submitted"] == submits and sec["pledge-reported"] == reports,
          f"the secretariat gets one pledge-submitted per submission ({submits}) and one pledge-reported per report ({reports}): "
          f"{sec['pledge-submitted']} and {sec['pledge-reported']}")

    print("-- escalations")
    escalations = {e["escalation"]["id"]: e for e in snapshots["escalations"]}
    tol = [e for e in escalations.values() if e["escalation"]["data"].get("source") == inst.get("ACT")]
    check(len(tol) == 1 and tol[0]["escalation"]["createdAt"] == rk.start_of(action["escalatesOn"]) and tol[0]["escalation"]["data"].get("trigger") == "tolerance-breach",
          f"the overdue action opens one tolerance-breach escalation, at the start of {day(action['escalatesOn'])}: "
          f"{[(e['escalation']['id'], e['escalation']['createdAt']) for e in tol]}")
    check(ids.get("E1") in escalations and escalations[ids["E1"]]["escalation"]["state"] == "closed",
          f"the escalation raised by hand ({ids.get('E1')}) is closed after the Alliance resolved it")

    print(f"-- the {YEAR} annual report against counts made here")
    areas = [a["key"] for a in json.loads((ROOT / "Workflows" / "framework" / "flourish.json").read_text(encoding="utf-8"))["areas"]]
    FIG = ("made", "approved", "delivered", "partlyDelivered", "notDelivered")

    def ledger_counts(as_of):
        """Per area, per kind and per district: the figures of the year's pledges as of a moment."""
        per = collections.defaultdict(lambda: dict.fromkeys(FIG, 0))
        for p, v in pledges.items():
            made_on = v.get("draft") or v["submit"] - dt.timedelta(minutes=5)
            if made_on.year != YEAR:  # the pledge year it was made for
                continue
            figs = []
            if "submit" in v and v["submit"] <= as_of:
                figs.append("made")
            if "approve" in v and v["approve"] <= as_of and ("withdrawn" not in v or v["withdrawn"] > as_of):  # README: withdrawn after approval is made, not approved
                figs.append("approved")
            if "report" in v and v["report"] <= as_of:
                figs.append({"delivered": "delivered", "partly-delivered": "partlyDelivered", "not-delivered": "notDelivered"}[v["outcome"]])
            o = orgs[v["org"]]
            for a in v["areas"]:
                for key in (("area", a), ("kind", a, o["kind"]), ("district", a, o["district"])):
                    for f in figs:
                        per[key][f] += 1
            for f in figs:
                per[("total",)][f] += 1
        return per

    def report_counts(report):
        per = collections.defaultdict(lambda: dict.fromkeys(FIG, 0))
        for a in report["areas"]:
            per[("area", a["key"])] = {f: a["pledges"][f] for f in FIG}
            for k in a["pledgesByKind"]:
                per[("kind", a["key"], k["key"])] = {f: k["pledges"][f] for f in FIG}
            for k in a["pledgesByDistrict"]:
                per[("district", a["key"], k["key"])] = {f: k["pledges"][f] for f in FIG}
        per[("total",)] = {f: report["totals"]["pledges"][f] for f in FIG}
        return per

    def compare(mine, theirs):
        keys = sorted(set(mine) | set(theirs))
        diff = [(k, mine[k], theirs[k]) for k in keys if mine[k] != theirs[k]]
        return diff

    for snap, as_of, what in (("report_before_withdrawal", BEFORE_WITHDRAWAL, f"--as-of {BEFORE_WITHDRAWAL:%Y-%m-%d %H:%M} (before Dunes withdrew)"),
                              ("report_year_end", YEAR_END, f"at {YEAR_END:%Y-%m-%d %H:%M}"), ("report_end", END, f"at {END:%Y-%m-%d %H:%M}")):
        report = snapshots[snap]
        mine, theirs = ledger_counts(as_of), report_counts(report)
        for a in areas:
            m, t = mine[("area", a)], theirs[("area", a)]
            check(m == t, f"report {what}: {a}: made/approved/delivered/partly/not {[t[f] for f in FIG]} (counted here {[m[f] for f in FIG]})")
        check(mine[("total",)] == theirs[("total",)], f"report {what}: totals {theirs[('total',)]} (counted here {mine[('total',)]})")
        diff = [d for d in compare(mine, theirs) if d[0][0] in ("kind", "district")]
        check(not diff, f"report {what}: every area's figures by kind of organisation and by district agree with the ledger"
              + (f"; first differences {diff[:4]}" if diff else ""))

    # The public wall at the year's end, as CSV and JSON.
    rows = list(csv.DictReader(io.StringIO(snapshots["csv"])))
    doc = json.loads(snapshots["json"])
    csv_rows = sorted((r["pledge"], r["pledge_year"], tuple(r["areas"].split(";")), r["approved_on"]) for r in rows)
    json_rows = sorted((r["pledge"], str(r["pledge_year"]), tuple(r["areas"]), r["approved_on"]) for r in doc["pledges"])
    check(csv_rows == json_rows, f"export pledges at the year's end: the CSV and the JSON list the same {len(csv_rows)} pledges")
    on_wall = {p for p, v in pledges.items() if "approve" in v and v["approve"] <= YEAR_END and v.get("withdrawn", END) > YEAR_END}
    want_wall = sorted((ids[p], str(YEAR), tuple(pledges[p]["areas"]), pledges[p]["approve"].date().isoformat()) for p in on_wall)
    check(csv_rows == want_wall, f"the wall at the year's end is {sorted(ids[p] for p in on_wall)} (approved, of organisations still in the scheme): "
          f"{[r[0] for r in csv_rows]}")
    wall_area = collections.Counter(a for r in csv_rows if r[1] == str(YEAR) for a in r[2])
    off_wall = collections.Counter(a for p, v in pledges.items() if "approve" in v and v["approve"] <= YEAR_END and p not in on_wall
                                   and ("withdrawn" not in v or v["withdrawn"] > YEAR_END) for a in v["areas"])
    withdrawn_after = collections.Counter(a for p, v in pledges.items() if "approve" in v and "withdrawn" in v and v["withdrawn"] <= YEAR_END for a in v["areas"])
    report = snapshots["report_year_end"]
    rep_approved = {a["key"]: a["pledges"]["approved"] for a in report["areas"]}
    check(all(rep_approved[a] == wall_area[a] + off_wall[a] for a in areas),
          f"report at the year's end: approved per area = the wall's export {dict(wall_area)} + approved pledges off the wall but not withdrawn "
          f"{dict(off_wall)}, leaving out those withdrawn after approval {dict(withdrawn_after)}: { {a: n for a, n in rep_approved.items() if n} }")

    # The secretariat's list of every pledge (the wall leaves out withdrawn and lapsed organisations).
    listed = collections.defaultdict(lambda: dict.fromkeys(FIG, 0))
    for pl in snapshots["pledge_list"]:
        data = pl["data"]
        if data.get("pledgeYear") != YEAR:
            continue
        figs = []
        if pl["state"] != "draft":
            figs.append("made")
        if "yearStarts" in data and pl["state"] != "withdrawn":  # approved once, and not withdrawn since
            figs.append("approved")
        outcome = data.get("outcome")
        if outcome:
            figs.append({"delivered": "delivered", "partly-delivered": "partlyDelivered", "not-delivered": "notDelivered"}[outcome])
        for a in data["areas"]:
            for f in figs:
                listed[a][f] += 1
    final = report_counts(snapshots["report_end"])
    diff = [(a, listed[a], final[("area", a)]) for a in areas if listed[a] != final[("area", a)]]
    check(not diff, f"report at the end: per area, made/approved/delivered agree with the secretariat's `pledge list --json` ({len(snapshots['pledge_list'])} pledges)"
          + (f"; differences (area, listed, report): {diff}" if diff else ""))
    wall_end = json.loads(snapshots["wall_end"])
    end_wall = sorted(r["pledge"] for r in wall_end["pledges"])
    gone = sorted(ids[p] for p, v in pledges.items() if v["org"] in "CD" and p in ids)
    current = sorted(ids[p] for p in ("A3", "B2"))
    check(not set(end_wall) & set(gone) and set(current) <= set(end_wall),
          f"the wall at the end shows Acme's and Bramble's current pledges {current} and nothing of lapsed Coastal Carers or withdrawn Dunes Health {gone}: {end_wall}")

    # Escalations: counted here from `escalation list --json` and each one's history.
    def year_of(stamp):
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(rk.zone).year

    def closed_at(eid):
        ev = [h for h in snapshots["histories"][eid] if h.get("toState") in ("closed", "withdrawn")]
        return ev[0]["occurredAt"] if ev else None

    for snap, cutoff in (("report_year_end", YEAR_END), ("report_end", END)):
        report = snapshots[snap]
        what = f"at {cutoff:%Y-%m-%d %H:%M}"
        counted = collections.defaultdict(lambda: {"raised": 0, "resolved": 0, "stillOpen": 0})
        for eid, e in escalations.items():
            created = e["escalation"]["createdAt"]
            if year_of(created) != YEAR or rk.at(cutoff) < created:
                continue
            closed = closed_at(eid)
            closed_in_year = closed is not None and year_of(closed) == YEAR and closed <= rk.at(cutoff)
            closed_by_then = closed is not None and closed <= rk.at(min(cutoff, local(f"{YEAR}-12-31T23:59:59")))
            for a in e["escalation"]["data"]["areas"] + ["*"]:
                counted[a]["raised"] += 1
                counted[a]["resolved"] += closed_in_year
                counted[a]["stillOpen"] += not closed_by_then
        rep = {a["key"]: a["escalations"] for a in report["areas"]}
        rep["*"] = report["totals"]["escalations"]
        keys = sorted(set(counted) | {k for k, v in rep.items() if any(v.values())})
        diff = [(k, counted[k], rep.get(k)) for k in keys if counted[k] != rep.get(k)]
        ledger_total = {"raised": 2, "resolved": 1, "stillOpen": 1}
        check(not diff and counted["*"] == ledger_total,
              f"report {what}: escalations raised/resolved/still open {rep['*']} in total, "
              f"{ {k: rep[k] for k in keys if k != '*'} } by area (counted from escalation list: {dict(counted['*'])}; ledger {ledger_total})"
              + (f"; differences {diff}" if diff else ""))
        acts = report["totals"]["actions"]
        check(acts["total"] == 1 and acts["overdue"] == 1, f"report {what}: one action, overdue: {acts}")

    r = snapshots["audit"]
    check(r.returncode == 0, f"audit verify after {END:%Y-%m-%d}: exit {r.returncode}: {(r.stdout.strip() or r.stderr.strip()).splitlines()[0][:120] if (r.stdout.strip() or r.stderr.strip()) else ''}")
    for n in sc.notes[:10]:
        print(f"     note: {n}")

    work.cleanup()
    passed = sum(ok for ok, _ in results)
    failed = len(results) - passed
    print(f"pledge years: {passed} passed, {failed} failed ({time.monotonic() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
