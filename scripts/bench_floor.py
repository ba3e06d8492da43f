#!/usr/bin/env python3
"""The single caller's floor: what plain SQLite costs for the writes one engine transition makes.

`flourish bench engine` compares one caller's durable transitions with raw one-row commits. A
transition cannot cost less than the pages it writes: the record's row, the event's row and
the event's entry in the per-record index (three pages a commit, where a raw commit writes one),
and the reads it makes first (the record's row, who may fire, the hash chain's head). This
measures that floor with Python's sqlite3 (a peer, not our code) on the engine's own tables and
statements, in paired rounds against the same raw one-row commits, and reports:
  - the page shape alone (the row updated, the event inserted),
  - the same with the engine's reads before it,
each as the median of the rounds' ratios to raw commits, with the user-space CPU a commit. The
gap between these and the engine's own ratio is the engine's own work a transition.
  python3 scripts/bench_floor.py [--events 20000] [--rounds 10]
"""
import argparse, json, os, resource, shutil, sqlite3, statistics, sys, tempfile, time

# The engine's tables a transition writes, as EngineSchema creates them (the columns and
# indexes that decide the pages written), and the directory's people (who may fire).
SCHEMA = """
CREATE TABLE instances (
    num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, workflow TEXT NOT NULL, workflow_version INTEGER NOT NULL,
    state TEXT NOT NULL, data TEXT NOT NULL, data_format INTEGER NOT NULL, version INTEGER NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, parent_id TEXT REFERENCES instances(id));
CREATE INDEX instances_by_workflow_state ON instances (workflow, state);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES instances(id), instance_version INTEGER NOT NULL,
    event TEXT NOT NULL, actor TEXT NOT NULL, on_behalf_of TEXT, from_state TEXT, to_state TEXT NOT NULL,
    payload TEXT NOT NULL, payload_format INTEGER NOT NULL, payload_digest TEXT NOT NULL, occurred_at INTEGER NOT NULL,
    idempotency_key TEXT, request_digest TEXT, redacted INTEGER NOT NULL DEFAULT 0, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    UNIQUE (instance_id, instance_version));
CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE people (id TEXT PRIMARY KEY, organisation TEXT, erased_at INTEGER);
"""
DIGEST = "0" * 64


def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def user_cpu():
    return resource.getrusage(resource.RUSAGE_THREAD).ru_utime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000, help="commits of each kind in all (default 20000)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    per_round = max(1, args.events // args.rounds)
    work = tempfile.mkdtemp(prefix="flourish-bench-floor-")
    try:
        raw = connect(os.path.join(work, "raw.sqlite"))
        raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        shaped = connect(os.path.join(work, "shape.sqlite"))
        shaped.executescript(SCHEMA)
        shaped.execute("INSERT INTO people VALUES ('bench', 'bench-organisation', NULL)")
        for i in range(64):
            data = {"organisation": "bench-organisation", "pledgeYear": 2026, "text": f"A new thing {i}", "areas": ["learning"], "contacts": ["bench"]}
            shaped.execute("INSERT INTO instances (id, workflow, workflow_version, state, data, data_format, version, created_at, updated_at) "
                           "VALUES (?, 'pledge', 1, 'draft', ?, 1, 1, 0, 0)", (f"pledge-{i + 1}", json.dumps(data, sort_keys=True, separators=(",", ":"))))
        version = [1]

        def raw_commit(i):
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO t (v) VALUES (?)", (f"event {i}",))
            raw.execute("COMMIT")

        def transition(i, reads):
            version[0] += 1
            v = version[0]
            shaped.execute("BEGIN IMMEDIATE")
            if reads:
                shaped.execute("SELECT id, workflow, workflow_version, state, version, created_at, updated_at, parent_id FROM instances WHERE id = ?",
                               ("pledge-1",)).fetchone()
                shaped.execute("SELECT 1 FROM people WHERE id = ? AND organisation = ? AND erased_at IS NULL", ("bench", "bench-organisation")).fetchone()
            data = {"organisation": "bench-organisation", "pledgeYear": 2026, "text": f"revision {i}", "areas": ["learning"], "contacts": ["bench"]}
            shaped.execute("UPDATE instances SET data = ?, data_format = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
                           (json.dumps(data, sort_keys=True, separators=(",", ":")), 1, v, i, "pledge-1", v - 1))
            head = shaped.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone() if reads else None
            shaped.execute("INSERT INTO events (seq, instance_id, instance_version, event, actor, on_behalf_of, from_state, to_state, payload, "
                           "payload_format, payload_digest, occurred_at, idempotency_key, request_digest, prev_hash, hash) "
                           "VALUES (?, ?, ?, 'edit', 'bench', NULL, 'draft', 'draft', ?, 1, ?, ?, NULL, NULL, ?, ?)",
                           (None if head is None else head[0] + 1, "pledge-1", v, json.dumps({"text": f"revision {i}"}), DIGEST, i,
                            DIGEST if head is None else head[1], DIGEST))
            shaped.execute("COMMIT")

        kinds = {"raw": raw_commit, "shape": lambda i: transition(i, False), "reads": lambda i: transition(i, True)}
        rates = {k: [] for k in kinds}
        cpu = {k: 0.0 for k in kinds}
        for _ in range(args.rounds):
            for kind, commit in kinds.items():
                began, used = time.perf_counter(), user_cpu()
                for i in range(per_round):
                    commit(i)
                cpu[kind] += user_cpu() - used
                rates[kind].append(per_round / (time.perf_counter() - began))
        each = per_round * args.rounds

        def ratio(kind):
            pairs = [a / b for a, b in zip(rates[kind], rates["raw"])]
            return f"{statistics.median(pairs):.2f} (median of {len(pairs)} paired rounds; {min(pairs):.2f} to {max(pairs):.2f})"

        print(f"The single caller's floor: Python's sqlite3 {sqlite3.sqlite_version} (a peer) on the engine's tables, {each} commits of each kind,")
        print("WAL, synchronous=FULL, rounds alternating; user-space CPU a commit on the committing thread")
        print()
        print(f"{'measurement':<58}{'per second':>11}  {'CPU µs':>7}   vs raw commits")
        rows = [("raw one-row commits (baseline)", "raw", "1.00"),
                ("a transition's writes: the row updated, the event added", "shape", ratio("shape")),
                ("the same after the engine's reads (row, who may, chain head)", "reads", ratio("reads"))]
        for label, kind, vs in rows:
            print(f"{label:<58}{statistics.median(rates[kind]):>11.0f}  {cpu[kind] / each * 1e6:>7.1f}   {vs}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
