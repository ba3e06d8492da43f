#!/usr/bin/env python3
"""The README's CLI tour runs as written.

Every ```sh block in README.md that follows a `<!-- tour -->` line is one part of the tour,
run in order, command by command, on one fresh database (each part after the first goes on
from where the last left it), the way someone trying Flourish would type them. A command
followed by a `# Error: ...` line is one the tour shows being refused: it must fail, saying
that. Every other command must succeed. The tour's clock is pinned (FLOURISH_NOW, below) so
its dates stay the future or the past they are written as; a command's own `--now` still wins.
One substitution: the outbox is sent through `cat` rather than `/usr/sbin/sendmail -t`, which
a test machine has no reason to have.

FLOURISH_BIN names the binary (default .build/debug/flourish).
  python3 Tests/proof/check_readme_tour.py
"""
import os, pathlib, re, subprocess, sys, tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("FLOURISH_BIN", ROOT / ".build" / "debug" / "flourish")).resolve()
NOW = "2026-12-07T10:00"


def tour_parts(readme):
    """The tour's blocks, each a list of (command, expected error or None, line number)."""
    parts = []
    lines = readme.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "<!-- tour -->":
            assert lines[i + 1].strip() == "```sh", f"README.md line {i + 2}: a tour marker must stand right above a ```sh block"
            i += 2
            commands, pending, start = [], "", 0
            while lines[i].strip() != "```":
                text = lines[i].strip()
                if pending:
                    pending += " " + text
                elif text.startswith("# Error:") and commands:
                    commands[-1] = (commands[-1][0], text[len("# Error:"):].strip(), commands[-1][2])
                elif text and not text.startswith("#"):
                    pending, start = text, i + 1
                if pending and pending.endswith("\\"):
                    pending = pending[:-1].rstrip()
                elif pending:
                    commands.append((re.sub(r"\s+#(?!\S*\").*$", "", pending).strip(), None, start))
                    pending = ""
                i += 1
            parts.append(commands)
        i += 1
    return parts


def main():
    if not BIN.exists():
        sys.exit(f"check_readme_tour: {BIN} is missing; build first (swift build)")
    readme = (ROOT / "README.md").read_text()
    parts = tour_parts(readme)
    if not parts:
        sys.exit("check_readme_tour: README.md marks no part of the tour (<!-- tour --> above a ```sh block)")
    work = tempfile.mkdtemp(prefix="flourish-readme-tour-")
    shim = pathlib.Path(work) / "bin"
    shim.mkdir()
    (shim / "flourish").symlink_to(BIN)
    env = dict(os.environ, FLOURISH_DB=os.path.join(work, "flourish.sqlite"), FLOURISH_WORKFLOWS=str(ROOT / "Workflows"),
               FLOURISH_NOW=NOW, PATH=f"{shim}:{os.environ['PATH']}")
    env.pop("FLOURISH_AS", None)
    failures, ran = [], 0
    for part in parts:
        for command, expected, line in part:
            run = command.replace('"/usr/sbin/sendmail -t"', "cat")
            result = subprocess.run(run, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            ran += 1
            said = (result.stderr + result.stdout).strip()
            if expected is None and result.returncode != 0:
                failures.append(f"README.md line {line}: `{command}` failed ({result.returncode}): {said[:400]}")
            elif expected is not None and (result.returncode == 0 or expected not in said):
                failures.append(f"README.md line {line}: `{command}` should be refused with \"{expected}\"; "
                                f"it {'succeeded' if result.returncode == 0 else 'said'}: {said[:400]}")
            else:
                print(f"ok   line {line}: {command[:110]}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{ran} commands of the README's tour in {len(parts)} parts, on one fresh database at {NOW}: "
          f"{'all as written' if not failures else f'{len(failures)} not as written'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
