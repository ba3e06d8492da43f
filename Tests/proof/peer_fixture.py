"""Shared ending of the peer checks: compare what the peer says now with the committed
fixture the Swift tests read, or (with --write) rewrite the fixture."""
import pathlib, sys


def check_or_write(fixture: pathlib.Path, text: str, name: str, summary: str) -> int:
    if "--write" in sys.argv:
        fixture.parent.mkdir(parents=True, exist_ok=True)
        fixture.write_text(text, encoding="utf-8")
        print(f"wrote {fixture}")
        return 0
    if not fixture.exists() or fixture.read_text(encoding="utf-8") != text:
        print(f"{name}: the fixture differs from what the peer says now; run with --write and review the Swift tests")
        return 1
    print(f"{name}: {summary}")
    return 0
