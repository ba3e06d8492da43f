#!/usr/bin/env python3
"""Checks the hand-written HTML escaping against Python's html.escape (the peer).

For hostile and awkward strings (script tags, attribute breakouts, quotes of both kinds,
ampersands already escaped, non-ASCII, control characters), html.escape(s, quote=True)
gives the escaped text; the results form the fixture the Swift tests hold HTML.escape to
(Tests/WebAppTests/Fixtures/html-escape-cases.json). Fails if the committed fixture
differs. Run with --write to regenerate.
"""
from peer_fixture import check_or_write
import html, json, pathlib

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "WebAppTests" / "Fixtures" / "html-escape-cases.json"

INPUTS = [
    "plain text",
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)",
    "&amp; &lt; already escaped",
    "Tom & Jerry's \"club\"",
    "</textarea><script>x</script>",
    "javascript:alert(1)",
    "日本語 – café ☃ 🎈",
    "tab\tnew\nline\r",
    "`backtick` = equals / slash",
    "",
    "Café & crèche <b>日本語</b> 🎈 'quoted' \"twice\" & é",
    "&",
    "ends with <",
]

cases = [{"input": s, "escaped": html.escape(s, quote=True)} for s in INPUTS]
text = json.dumps(cases, ensure_ascii=False, indent=1) + "\n"
raise SystemExit(check_or_write(FIXTURE, text, "html escape", f"{len(cases)} strings escape as html.escape does"))
