#!/usr/bin/env python3
"""Crash test: kill -9 a writer in the middle of a stream of transitions, many rounds.

Each round starts `flourish stress write` (four threads sharing commits) on one database,
reads the client tokens it prints as each commit is acknowledged, and kills it with SIGKILL
at a random moment. After every kill: `PRAGMA integrity_check` must say ok, every
acknowledged token must be in the event log (tokens are the events' idempotency keys, not
row ids), and `flourish audit verify` must pass. Bounded: ROUNDS rounds of at most a few
seconds each.
"""
import os, random, signal, sqlite3, subprocess, sys, tempfile, time, pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "12"))


def flourish_binary():
    for candidate in [ROOT / ".build" / "debug" / "flourish", ROOT / ".build" / "release" / "flourish"]:
        if candidate.exists():
            return str(candidate)
    sys.exit("crash test: build flourish first (swift build)")


def main():
    binary = flourish_binary()
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261124")))
    work = tempfile.mkdtemp(prefix="flourish-crash-")
    db = os.path.join(work, "crash.sqlite")
    env = dict(os.environ, FLOURISH_DB=db, FLOURISH_WORKFLOWS=str(ROOT / "Workflows"))
    subprocess.run([binary, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    acknowledged = set()
    for round_number in range(1, ROUNDS + 1):
        proc = subprocess.Popen([binary, "stress", "write", "--threads", "4", "--count", "100000", "--prefix", f"r{round_number}"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        deadline = time.monotonic() + rng.uniform(0.3, 1.5)
        acked_this_round = 0
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("ack "):
                acknowledged.add(line.split()[1])
                acked_this_round += 1
        os.kill(proc.pid, signal.SIGKILL)
        # What was already written to the pipe before the kill was acknowledged too.
        for line in proc.stdout:
            if line.startswith("ack "):
                acknowledged.add(line.split()[1])
                acked_this_round += 1
        proc.wait()
        con = sqlite3.connect(db)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in con.execute("SELECT idempotency_key FROM events WHERE idempotency_key IS NOT NULL")}
        con.close()
        missing = acknowledged - stored
        verify = subprocess.run([binary, "audit", "verify"], env=env, capture_output=True, text=True)
        print(f"round {round_number}: killed after {acked_this_round} acknowledged events; integrity {integrity}; "
              f"{len(missing)} acknowledged events missing; audit verify exit {verify.returncode}")
        if integrity != "ok" or missing or verify.returncode != 0:
            print("crash test FAILED:", verify.stdout, verify.stderr, sorted(missing)[:10])
            return 1
    # A writer that writes nothing would make every round pass: the test must have had writes to lose.
    if not acknowledged:
        print("crash test FAILED: the writer acknowledged no events in any round, so nothing was tested "
              "(run `flourish stress write` by hand to see why it writes nothing)")
        return 1
    print(f"crash test: {ROUNDS} kill -9 rounds, {len(acknowledged)} acknowledged events all present, integrity ok, audit intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
