#!/usr/bin/env python3
"""Writes Workflows/calendars/england-and-wales.json: England and Wales bank holidays 2021-2030.

Years the govuk-bank-holidays package's bundled data covers are taken from it as published
(one-off holidays and moved dates included); later years are computed from the standing
rules (New Year's Day, Good Friday, Easter Monday, the first and last Mondays of May, the
last Monday of August, Christmas Day and Boxing Day, with substitute weekdays when a
holiday falls at a weekend). Run: python3 generate_bank_holidays.py [path/to/bank-holidays.json]
"""
import datetime as dt, json, pathlib, sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Workflows" / "calendars" / "england-and-wales.json"
FIRST, LAST = 2021, 2030


def easter(year):  # Anonymous Gregorian algorithm
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = ((h + l - 7 * m + 114) % 31) + 1
    return dt.date(year, month, day)


def first_monday(year, month):
    d = dt.date(year, month, 1)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def last_monday(year, month):
    d = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=d.weekday())


def computed(year):
    out = []
    ny = dt.date(year, 1, 1)
    out.append((ny if ny.weekday() < 5 else ny + dt.timedelta(days=7 - ny.weekday()),
                "New Year’s Day" + ("" if ny.weekday() < 5 else " (substitute day)")))
    e = easter(year)
    out.append((e - dt.timedelta(days=2), "Good Friday"))
    out.append((e + dt.timedelta(days=1), "Easter Monday"))
    out.append((first_monday(year, 5), "Early May bank holiday"))
    out.append((last_monday(year, 5), "Spring bank holiday"))
    out.append((last_monday(year, 8), "Summer bank holiday"))
    xmas, boxing = dt.date(year, 12, 25), dt.date(year, 12, 26)
    if xmas.weekday() < 5 and boxing.weekday() < 5:
        out += [(xmas, "Christmas Day"), (boxing, "Boxing Day")]
    elif xmas.weekday() == 4:  # Friday: Boxing Day falls on Saturday, substitute Monday
        out += [(xmas, "Christmas Day"), (dt.date(year, 12, 28), "Boxing Day (substitute day)")]
    elif xmas.weekday() == 5:  # Saturday
        out += [(dt.date(year, 12, 27), "Christmas Day (substitute day)"), (dt.date(year, 12, 28), "Boxing Day (substitute day)")]
    elif xmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas substitute Tuesday
        out += [(boxing, "Boxing Day"), (dt.date(year, 12, 27), "Christmas Day (substitute day)")]
    else:  # Thursday: Boxing Day Friday
        out += [(xmas, "Christmas Day"), (boxing, "Boxing Day")]
    return sorted(out)


def bundled(path):
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    events = data["england-and-wales"]["events"]
    years = {}
    for e in events:
        title = e["title"] + (" (substitute day)" if "substitute" in e.get("notes", "").lower() else "")
        years.setdefault(int(e["date"][:4]), []).append((dt.date.fromisoformat(e["date"]), title.replace("’", "'")))
    return years


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else None
    if source is None:
        import govuk_bank_holidays
        source = pathlib.Path(govuk_bank_holidays.__file__).parent / "bank-holidays.json"
    published = bundled(source)
    last_published = max(published)
    holidays = []
    for year in range(FIRST, LAST + 1):
        days = published[year] if year in published and year <= last_published else [(d, t.replace("’", "'")) for d, t in computed(year)]
        holidays += [{"date": d.isoformat(), "title": t} for d, t in sorted(days)]
    doc = {
        "formatVersion": 1, "key": "england-and-wales", "name": "England and Wales bank holidays",
        "source": f"GOV.UK bank holidays as bundled in the govuk-bank-holidays package for {FIRST}-{last_published}; "
                  f"{last_published + 1}-{LAST} computed from the standing rules (Tests/proof/generate_bank_holidays.py)",
        "coversFrom": f"{FIRST}-01-01", "coversTo": f"{LAST}-12-31", "holidays": holidays,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(holidays)} holidays")


if __name__ == "__main__":
    main()
