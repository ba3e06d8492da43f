#!/usr/bin/env python3
"""Checks the hand-written CSV reader and writer against Python's csv module (the peer).

For each tricky text, csv.reader (RFC 4180 dialect: comma, double quote, strict) gives the
records or refuses the text; and csv.writer's output for tricky rows is read back, each cell first made
safe for spreadsheets as OWASP advises (a leading apostrophe before = + - @ tab CR, numbers
left alone), which is what every CSV Flourish writes does. The results form the fixture the Swift tests hold the Swift CSV to
(Tests/ServicesTests/Fixtures/csv-cases.json). Fails if the committed fixture differs.
Run with --write to regenerate.
"""
from peer_fixture import check_or_write
import csv, io, json, pathlib, re, sys

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "ServicesTests" / "Fixtures" / "csv-cases.json"

TEXTS = [
    "a,b,c\r\n1,2,3\r\n",
    "a,b\n1,2\n",
    "a,b\n1,2",
    "name,text\nAcme,\"Mentor, coach, and inspire\"\n",
    "name,text\nAcme,\"She said \"\"hello\"\"\"\n",
    "name,text\nAcme,\"line one\nline two\"\nNext,x\n",
    "a,b,c\n,,\n",
    "a\n\"\"\n",
    "\ufeffa,b\n1,2\n",
    "a,b\n\"unterminated,2\n",
    "a,b\nab\"c,2\n",
    "a,b\n\"q\"x,2\n",
    "é,ü\n☃,\"日本\"\n",
    "a,b\r\n1,2\r\n\r\n3,4\r\n",
    "single\n",
    "a,b\n  spaced  ,\" kept \"\n",
]
ROWS = [
    ["plain", "with,comma", "with \"quote\"", "with\nnewline", "", " padded "],
    ["=cmd()", "日本", "trailing\r\n"],
    # CSV injection: cells a spreadsheet would run as formulas, and numbers it would not.
    ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx", "a=b"],
    ["-3", "+1.5", "-", "-0.25", "12", "-1e5", "--1", "+"],
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(cell):
    """OWASP's advice for CSV injection, written here independently of the Swift: a cell that
    begins with = + - @ tab or CR gets a leading apostrophe, unless it is a plain number."""
    if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def read(text):
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect="excel", strict=True))
    except csv.Error:
        return {"error": True}
    return {"records": rows}


def main():
    cases = [{"text": t, "expected": read(t)} for t in TEXTS]
    written = []
    for row in ROWS:
        out = io.StringIO(newline="")
        csv.writer(out, dialect="excel", lineterminator="\r\n").writerow([spreadsheet_safe(c) for c in row])
        written.append({"row": row, "readBack": next(csv.reader(io.StringIO(out.getvalue(), newline="")))})
    doc = {"read": cases, "write": written}
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    return check_or_write(FIXTURE, text, "csv peer check", f"{len(cases)} texts and {len(written)} written rows agree with Python's csv module in the fixture")

if __name__ == "__main__":
    sys.exit(main())
