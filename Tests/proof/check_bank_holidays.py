#!/usr/bin/env python3
"""Checks Workflows/calendars/england-and-wales.json against the govuk-bank-holidays package.

The package (installed by scripts/test) is the peer: for every year its bundled copy of the
GOV.UK data covers, our set of England and Wales bank holidays must equal its set exactly.
Also checks that our file is sorted, has no duplicates, and lists only weekdays; and that
working days counted by the package across each covered year agree with ours.
Never touches the network: use_cached_holidays=True reads the bundled data.
"""
import datetime as dt, json, pathlib, sys
from govuk_bank_holidays.bank_holidays import BankHolidays

ROOT = pathlib.Path(__file__).resolve().parents[2]
OURS = json.loads((ROOT / "Workflows" / "calendars" / "england-and-wales.json").read_text(encoding="utf-8"))


def main():
    peer = BankHolidays(use_cached_holidays=True)
    division = BankHolidays.ENGLAND_AND_WALES
    ours = [dt.date.fromisoformat(h["date"]) for h in OURS["holidays"]]
    problems = []
    if ours != sorted(ours):
        problems.append("holidays are not in date order")
    if len(set(ours)) != len(ours):
        problems.append("a date is listed twice")
    problems += [f"{d} is a weekend day" for d in ours if d.weekday() >= 5]
    first, last = int(OURS["coversFrom"][:4]), int(OURS["coversTo"][:4])
    peer_years = sorted({h["date"].year for h in peer.get_holidays(division=division)})
    checked = [y for y in range(first, last + 1) if y in peer_years]
    for year in checked:
        theirs = {h["date"] for h in peer.get_holidays(division=division, year=year)}
        mine = {d for d in ours if d.year == year}
        for d in sorted(theirs - mine):
            problems.append(f"{year}: GOV.UK lists {d}, we do not")
        for d in sorted(mine - theirs):
            problems.append(f"{year}: we list {d}, GOV.UK does not")
        # Working days through the year: the peer's is_work_day against weekday-and-not-ours.
        day = dt.date(year, 1, 1)
        while day.year == year:
            if peer.is_work_day(day, division=division) != (day.weekday() < 5 and day not in mine):
                problems.append(f"{day}: working day disagrees")
            day += dt.timedelta(days=1)
    if problems:
        print("bank holidays: differences from govuk-bank-holidays:")
        for p in problems:
            print("  " + p)
        return 1
    computed = [y for y in range(first, last + 1) if y not in peer_years]
    print(f"bank holidays: {len(checked)} years ({checked[0]}-{checked[-1]}) checked against govuk-bank-holidays, all equal; "
          f"{len(computed)} later years computed from the standing rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
