#!/usr/bin/env python3
"""The README's CLI tour runs as written.

Every ```sh block in README.md that follows a `<!-- tour -->` line is one part of the tour,
run in order, command by command, in an empty folder on one fresh database (each part after the first goes on
from where the last left it), the way someone trying Flourish would type them. A command
followed by a `# Error: ...` line is one the tour shows being refused: it must fail, saying
that. Every other command must succeed. The tour's clock is pinned (FLOURISH_NOW, below) so
its dates stay the future or the past they are written as; a command's own `--now` still wins.
One substitution: the outbox is sent through `cat` rather than `/usr/sbin/sendmail -t`, which
a test machine has no reason to have.

The API's examples (the ```sh block after a `<!-- api tour -->` line) run as one script
against `flourish serve --demo` on a fresh folder, at the same pinned moment, with every curl
made to fail on an HTTP error (`curl -sf`): each example must be answered with success.

FLOURISH_BIN names the binary (default .build/debug/flourish).
  python3 Tests/proof/check_readme_tour.py
"""
import os, pathlib, re, shutil, subprocess, sys, tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from served import start_serving  # noqa: E402

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


def api_tour(readme, work, env):
    """Runs the API examples against a demo server; returns the failures."""
    found = re.search(r"<!-- api tour -->\n```sh\n(.*?)```", readme, re.S)
    if not found:
        return ["README.md marks no API examples (<!-- api tour --> above a ```sh block)"]
    folder = pathlib.Path(work) / "api"
    folder.mkdir()
    served_env = dict(env, FLOURISH_DB=str(folder / "flourish.sqlite"))
    out, err = [], []
    proc, port = start_serving([str(BIN), "serve", "--demo", "--port", "0"], out, err, "check_readme_tour", cwd=folder)
    try:
        script = found.group(1).replace("localhost:8080", f"localhost:{port}").replace("curl -s ", "curl -sf ")
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=folder, env=served_env, capture_output=True, text=True, timeout=120)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if result.returncode != 0:
        return [f"the API examples failed ({result.returncode}): {(result.stderr or result.stdout).strip()[-600:]}"]
    print(f"ok   the API examples, against `flourish serve --demo`: {len(found.group(1).strip().splitlines())} lines")
    return []


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
    # The tour runs in a folder of its own (a backup writes beside the database), with the
    # repository's Workflows (its samples are imported) where the commands name them.
    (pathlib.Path(work) / "Workflows").symlink_to(ROOT / "Workflows")
    env = dict(os.environ, FLOURISH_DB=os.path.join(work, "flourish.sqlite"), FLOURISH_WORKFLOWS=str(ROOT / "Workflows"),
               FLOURISH_NOW=NOW, PATH=f"{shim}:{os.environ['PATH']}")
    env.pop("FLOURISH_AS", None)
    failures, ran = [], 0
    for part in parts:
        for command, expected, line in part:
            run = command.replace('"/usr/sbin/sendmail -t"', "cat")
            result = subprocess.run(run, shell=True, cwd=work, env=env, capture_output=True, text=True, timeout=120)
            ran += 1
            said = (result.stderr + result.stdout).strip()
            if expected is None and result.returncode != 0:
                failures.append(f"README.md line {line}: `{command}` failed ({result.returncode}): {said[:400]}")
            elif expected is not None and (result.returncode == 0 or expected not in said):
                failures.append(f"README.md line {line}: `{command}` should be refused with \"{expected}\"; "
                                f"it {'succeeded' if result.returncode == 0 else 'said'}: {said[:400]}")
            else:
                print(f"ok   line {line}: {command[:110]}")
    failures += api_tour(readme, work, env)
    shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print(f"FAIL {f}")
    print(f"{ran} commands of the README's tour in {len(parts)} parts, on one fresh database at {NOW}: "
          f"{'all as written' if not failures else f'{len(failures)} not as written'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
