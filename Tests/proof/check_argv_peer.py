#!/usr/bin/env python3
"""Checks the hand-written argument parser against Python's argparse (the peer).

For each command line in CASES, argparse (configured like flourish: long options with
values, repeatable options, flags, -h, no abbreviations, options anywhere) decides the
positionals, values and flags, or that the line is an error. The results are the fixture
the Swift tests check the Swift parser against (Tests/ArgumentParsingTests/Fixtures/argv-cases.json).
This script fails if the committed fixture differs from what argparse says now.
Run with --write to regenerate the fixture.
"""
from peer_fixture import check_or_write
import argparse, contextlib, io, json, pathlib, sys

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "ArgumentParsingTests" / "Fixtures" / "argv-cases.json"

CASES = [
    ["instance", "list"],
    ["instance", "fire", "pledge-1", "submit", "--expect-version", "3"],
    ["--db", "x.sqlite", "tick"],
    ["--db=x.sqlite", "tick", "--json"],
    ["tick", "--now", "2026-04-01T09:00"],
    ["start", "--field", "a=1", "--field", "b=2,3", "pledge"],
    ["start", "--field=a=1", "pledge", "--field=text=hello world"],
    ["-h"],
    ["show", "-h", "pledge"],
    # Not ["--", "--db", "literal"]: argparse's parse_intermixed_args still reads options
    # after a leading "--" there, unlike getopt_long; flourish follows getopt_long.
    ["fire", "x", "--", "--json"],
    ["--json", "--json"],
    ["--unknown"],
    ["list", "--db"],
    ["list", "--json=yes"],
    ["list", "-q"],
    ["--format", "dot", "show", "pledge"],
    ["--expect-version", "", "x"],
    ["one", "two", "three", "four"],
    ["--field", "=x"],
    ["--now", "2026-01-01", "--now=2027-01-01"],
    # A value that is an option is refused, not taken: --db --json, --field -x.
    ["--db", "--json", "tick"],
    ["start", "--field", "-x"],
    ["--db=--json", "tick"],
    ["--field", "-5", "--field", "-3.5", "--field", "-.5", "x"],
    ["--field", "-1e3"],
    ["--field", "- a bullet", "--field", "-"],
    ["list", "-5"],
    ["list", "-inf"],
]

VALUED = {"db": False, "now": False, "format": False, "expect-version": False, "field": True}
FLAGS = ["json", "help"]


def argparse_result(argv):
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    for name, repeatable in VALUED.items():
        parser.add_argument("--" + name, action="append" if repeatable else "append", dest=name)
    parser.add_argument("--json", action="count", dest="json")
    parser.add_argument("-h", "--help", action="count", dest="help")
    parser.add_argument("positionals", nargs="*")
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            ns = parser.parse_intermixed_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return {"error": True}
    values = {}
    for name, repeatable in VALUED.items():
        got = getattr(ns, name)
        if got is None:
            continue
        if not repeatable and len(got) > 1:
            # flourish refuses a single-valued option given twice, where argparse keeps the last
            return {"error": True}
        values[name] = got
    flags = sorted(f for f in FLAGS if getattr(ns, f))
    return {"positionals": ns.positionals, "values": values, "flags": flags}


def main():
    cases = [{"argv": argv, "expected": argparse_result(argv)} for argv in CASES]
    text = json.dumps(cases, indent=2, ensure_ascii=False) + "\n"
    return check_or_write(FIXTURE, text, "argv peer check", f"{len(cases)} command lines agree with argparse's results in the fixture")

if __name__ == "__main__":
    sys.exit(main())
