#!/usr/bin/env python3
"""Tampering by hand: what an operator with the database file and Python's sqlite3 could do
behind Flourish's back, tried on copies of a live database, and Flourish finding each.

Set-up: `flourish init --demo`, then an action logged through the CLI so the newest instance
has one event, the log's last. The WAL is checkpointed away (PRAGMA wal_checkpoint(TRUNCATE))
and the file copied once per case; each copy is tampered with sqlite3 (the events table's
triggers dropped first where the change needs it) and `flourish audit verify` (plain and
--json) run on it.

1. An action's state set by hand to 'completed': contradicted, the action named, both states said.
2. One bit flipped in an instance's stored data (its title): contradicted, the field named.
3. Two messages an event queued deleted from the outbox: removed, "no longer in the outbox",
   the event and its instance named.
4. The only event of the newest instance deleted: the problem names that event's number (the
   log's last), not event 1, and the instance.
5. An outbox message naming an event that does not exist: contradicted, "outbox message N".
6. `flourish backup` of a live database tampered as in 1 is refused: non-zero exit, "did not
   check out", and no copy (nor a temporary one) is left. Control: a sound one backs up.
7. A damaged file: one page of the index outbox_by_status overwritten with 0xEE. `flourish
   doctor` prints a PROBLEM line for integrity and exits 1; `flourish serve` says "Problem
   (integrity)" before it listens, /healthz answers 503 "damaged:", /pledges still reads 200,
   and signing in (a write) is refused with 503, "found its database damaged".
   Control: doctor finds a sound copy's integrity ok.
8. Control: the untouched copy verifies intact, so every failure above is for its own reason.

Uses FLOURISH_BIN when set, else .build/debug/flourish. One line per check; exit 0 only when
every check holds. Light: one init, ~20 short CLI runs and one server; about 5 s.
"""
import json, os, pathlib, shutil, sqlite3, sys, tempfile, time
from check_durability import Checks, flourish
from served import flourish_binary, start_serving, stop_serving
import web_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
GROUP = "data-and-system-performance-group"   # dee chairs it in the demo partnership; it has no priority of its own


class Proof(Checks):
    """`Checks`, saying every check: "ok" lines as well as its "FAIL" lines."""

    def check(self, ok, what, detail=""):
        if ok:
            print(f"  ok   {what}", flush=True)
        return super().check(ok, what, detail)


class Visitor(web_client.Client):
    """A browser whose refused sign-in is an answer to judge, not an error."""

    def sign_in_refused(self, person, answer):
        pass


# MARK: - Databases

def checkpointed(db):
    """Folds the WAL into `db` and truncates it, so the file alone holds everything (a copy of
    it is the database). Returns what is left of the -wal: "" when nothing, else why not."""
    con = sqlite3.connect(db)
    try:
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        con.close()
    wal = db + "-wal"
    size = os.path.getsize(wal) if os.path.exists(wal) else 0
    return f"checkpoint busy {busy}, -wal {size} bytes" if busy or size else ""


def tampered(pristine, path, change):
    """A copy of `pristine` at `path` with `change(connection)` committed by Python's sqlite3."""
    shutil.copyfile(pristine, path)
    con = sqlite3.connect(path)
    try:
        result = change(con)
        con.commit()
    finally:
        con.close()
    return result


def drop_event_triggers(con):
    """What an attacker does first: the triggers that forbid deleting or rewriting events."""
    con.execute("DROP TRIGGER IF EXISTS events_are_never_deleted")
    con.execute("DROP TRIGGER IF EXISTS events_change_only_by_redaction")


def damaged(pristine, path, index="outbox_by_status"):
    """A copy of `pristine` with the root page of `index` overwritten by 0xEE bytes, as a disk
    error would leave it. Returns (page, why not) where `why not` is "" when the damage is done
    and SQLite's own quick_check sees it."""
    shutil.copyfile(pristine, path)
    con = sqlite3.connect(path)
    try:
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)).fetchone()
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
    finally:
        con.close()
    left = checkpointed(path)
    if not root or left:
        return None, f"no index {index}" if not root else left
    with open(path, "r+b") as f:
        f.seek((root[0] - 1) * page_size)
        f.write(b"\xee" * page_size)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        check = "; ".join(row[0] for row in con.execute("PRAGMA quick_check"))
    except sqlite3.DatabaseError as e:
        check = f"{e}"
    finally:
        con.close()
    return root[0], "" if check != "ok" else "quick_check still says ok"


# MARK: - Flourish

def verify(db):
    """`flourish audit verify` on `db`: (exit, the --json answer or {}, the plain text)."""
    j = flourish(db, "audit", "verify", "--json")
    plain = flourish(db, "audit", "verify")
    try:
        answer = json.loads(j.stdout)
    except ValueError:
        answer = {}
    return plain.returncode, (answer if isinstance(answer, dict) else {}), (plain.stdout + plain.stderr).strip()


def problem_of(answer):
    p = answer.get("problem")
    return p if isinstance(p, dict) else {}


def detected(g, case, db, kind, record):
    """The checks every tampered copy shares: exit 1, "NOT intact", the kind and the record.
    Returns (problem, plain text) for the case's own checks."""
    code, answer, text = verify(db)
    problem = problem_of(answer)
    g.check(code == 1 and text.startswith("The audit log is NOT intact:"), f"{case}: audit verify says NOT intact, exit 1",
            f"exit {code}: {text[:400]}")
    g.check(answer.get("intact") is False and problem.get("kind") == kind, f"{case}: problem kind is {kind!r}",
            f"--json says intact {answer.get('intact')!r}, problem {problem}")
    if record is not None:
        g.check(problem.get("record") == record and record in text, f"{case}: names {record}",
                f"record {problem.get('record')!r}; {text[:400]}")
    return problem, text


def set_up(g, work):
    """A demo database whose newest instance has a single event, the log's last; checkpointed."""
    live = os.path.join(work, "live.sqlite")
    r = flourish(live, "init", "--demo")
    if r.returncode != 0:
        sys.exit(f"integrity: `flourish init --demo` failed (exit {r.returncode}): {(r.stderr or r.stdout)[-500:]}")

    def newest_lone_event():
        con = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
        try:
            return con.execute("""SELECT e.seq, e.instance_id FROM events e
                                  WHERE e.seq = (SELECT max(seq) FROM events)
                                    AND (SELECT count(*) FROM events o WHERE o.instance_id = e.instance_id) = 1""").fetchone()
        finally:
            con.close()

    if newest_lone_event() is None:
        r = flourish(live, "--as", "dee", "action", "log", "--group", GROUP, "--title", "Integrity probe", "--owner", "dee",
                     "--due", "2027-03-01", "--areas", "learning", "--priority", "send")
        g.check(r.returncode == 0, "set-up: an action logged through the CLI", f"exit {r.returncode}: {(r.stderr or r.stdout)[-400:]}")
    lone = newest_lone_event()
    left = checkpointed(live)
    if left:
        sys.exit(f"integrity: the live database's WAL would not fold away ({left})")
    pristine = os.path.join(work, "pristine.sqlite")
    shutil.copyfile(live, pristine)
    return pristine, lone


# MARK: - The cases

def hand_set_state(g, work, pristine):
    def change(con):
        row = con.execute("SELECT id, state FROM instances WHERE workflow = 'action' AND state != 'completed' ORDER BY num LIMIT 1").fetchone()
        con.execute("UPDATE instances SET state = 'completed' WHERE id = ?", (row[0],))
        return row
    action, state = tampered(pristine, os.path.join(work, "1-state.sqlite"), change)
    problem, _ = detected(g, f"1 state of {action} set to 'completed' (was {state!r})", os.path.join(work, "1-state.sqlite"), "contradicted", action)
    detail = problem.get("detail") or ""
    g.check("'completed'" in detail and f"'{state}'" in detail, "1: the detail says its state and the state its events lead to", detail)


def flipped_bit(g, work, pristine):
    def change(con):
        for num, ident, data in con.execute("SELECT num, id, data FROM instances ORDER BY num DESC"):
            key = data.find('"title":"')
            start = key + len('"title":"')
            if key >= 0 and data[start:start + 1].isalpha():
                flipped = data[:start] + chr(ord(data[start]) ^ 1) + data[start + 1:]
                json.loads(flipped)  # still well-formed JSON: only the value is wrong
                con.execute("UPDATE instances SET data = ? WHERE num = ?", (flipped, num))
                return ident, data[start], flipped[start]
        return None, None, None
    db = os.path.join(work, "2-bit.sqlite")
    ident, before, after = tampered(pristine, db, change)
    if not g.check(ident is not None, "2: an instance with a title to flip", "no instance's data holds a title"):
        return
    problem, _ = detected(g, f"2 one bit of {ident}'s title flipped ({before!r} to {after!r})", db, "contradicted", ident)
    g.check("'title'" in (problem.get("detail") or ""), "2: the detail names the field 'title'", problem.get("detail"))


def outbox_rows_deleted(g, work, pristine):
    def change(con):
        rows = con.execute("SELECT id, event_seq, instance_id FROM outbox WHERE event_seq IS NOT NULL ORDER BY id LIMIT 2").fetchall()
        con.execute("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE event_seq IS NOT NULL ORDER BY id LIMIT 2)")
        return rows
    db = os.path.join(work, "3-outbox.sqlite")
    rows = tampered(pristine, db, change)
    if not g.check(len(rows) == 2, "3: the demo outbox holds messages events queued", f"{rows}"):
        return
    problem, _ = detected(g, f"3 outbox messages {', '.join(str(r[0]) for r in rows)} deleted", db, "removed", None)
    detail, seq = problem.get("detail") or "", problem.get("seq")
    queued_by = {r[1]: r[2] for r in rows}
    g.check("is no longer in the outbox" in detail, "3: the detail says a message is no longer in the outbox", detail)
    g.check(seq in queued_by and f"event {seq}" in detail and problem.get("record") == queued_by.get(seq),
            "3: names the event that queued it and its instance",
            f"seq {seq!r}, record {problem.get('record')!r}, deleted {rows}: {detail}")


def newest_event_deleted(g, work, pristine, lone):
    if not g.check(lone is not None, "4: the newest instance has one event, the log's last", "none found, and logging an action did not make one"):
        return
    seq, instance = lone
    db = os.path.join(work, "4-event.sqlite")

    def change(con):
        drop_event_triggers(con)
        con.execute("DELETE FROM events WHERE seq = ?", (seq,))
    tampered(pristine, db, change)
    problem, text = detected(g, f"4 event {seq}, the only one of {instance}, deleted", db, "removed", None)
    g.check(problem.get("seq") == seq and f"event {seq}" in text, f"4: names event {seq}, the log's last (not event 1)",
            f"seq {problem.get('seq')!r}: {text[:400]}")
    g.check(instance in text, f"4: names {instance}", text[:400])


def message_without_event(g, work, pristine):
    def change(con):
        missing = con.execute("SELECT max(seq) + 1000 FROM events").fetchone()[0]
        con.execute("""INSERT INTO outbox (instance_id, event_seq, template, recipient, subject, body, created_at, status)
                       SELECT instance_id, ?, template, recipient, subject, body, created_at, 'pending'
                       FROM outbox WHERE event_seq IS NOT NULL ORDER BY id LIMIT 1""", (missing,))
        return con.execute("SELECT max(id) FROM outbox").fetchone()[0], missing
    db = os.path.join(work, "5-message.sqlite")
    message, missing = tampered(pristine, db, change)
    problem, _ = detected(g, f"5 outbox message {message} naming event {missing}, which does not exist", db, "contradicted", f"outbox message {message}")
    g.check(f"event {missing}" in (problem.get("detail") or ""), f"5: the detail names the missing event {missing}", problem.get("detail"))


def backup_refused(g, work, pristine):
    def change(con):
        action = con.execute("SELECT id FROM instances WHERE workflow = 'action' AND state != 'completed' ORDER BY num LIMIT 1").fetchone()[0]
        con.execute("UPDATE instances SET state = 'completed' WHERE id = ?", (action,))
        return action
    live = os.path.join(work, "6-live.sqlite")
    action = tampered(pristine, live, change)
    folder = os.path.join(work, "6-backups")
    os.makedirs(folder)
    copy = os.path.join(folder, "copy.sqlite")
    r = flourish(live, "backup", copy)
    said = (r.stdout + r.stderr).strip()
    g.check(r.returncode != 0 and "did not check out" in said, f"6: backup of a live database with {action} tampered is refused",
            f"exit {r.returncode}: {said[:400]}")
    g.check(action in said, f"6: the refusal names {action}", said[:400])
    g.check(not os.listdir(folder), "6: no copy (nor a temporary one) is left", f"{os.listdir(folder)}")

    sound = os.path.join(work, "6-sound.sqlite")
    shutil.copyfile(pristine, sound)
    control = os.path.join(work, "6-control-copy.sqlite")
    r = flourish(sound, "backup", control)
    g.check(r.returncode == 0 and "The copy checks out" in r.stdout and os.path.exists(control),
            "6 control: a sound live database backs up", f"exit {r.returncode}: {(r.stdout + r.stderr).strip()[:400]}")


def damaged_file(g, work, pristine):
    sound = os.path.join(work, "7-sound.sqlite")
    shutil.copyfile(pristine, sound)
    r = flourish(sound, "doctor")
    g.check("ok      integrity:" in r.stdout and "PROBLEM" not in r.stdout, "7 control: doctor finds a sound copy's integrity ok",
            (r.stdout + r.stderr).strip()[:400])

    db = os.path.join(work, "7-damaged.sqlite")
    page, why_not = damaged(pristine, db)
    if not g.check(not why_not, f"7: page {page} (index outbox_by_status's root) overwritten with 0xEE, and SQLite sees it", why_not):
        return
    served_db = os.path.join(work, "7-damaged-served.sqlite")
    shutil.copyfile(db, served_db)

    r = flourish(db, "doctor")
    said = (r.stdout + r.stderr).strip()
    problems = [line for line in r.stdout.splitlines() if line.startswith("PROBLEM integrity:")]
    g.check(r.returncode == 1 and problems, "7a: doctor prints a PROBLEM line for integrity and exits 1", f"exit {r.returncode}: {said[:400]}")

    binary = flourish_binary("integrity")
    out, err, proc = [], [], None
    try:
        try:
            proc, port = start_serving([binary, "serve", "--db", served_db, "--workflows", str(ROOT / "Workflows"), "--port", "0", "--tick-every", "0"],
                                       out, err, "integrity: serve on a damaged file", timeout=20, cwd=str(ROOT))
        except SystemExit as e:
            g.check(False, "7b: serve starts on a damaged file", str(e)[:600])
            return
        g.check(True, "7b: serve starts on a damaged file")
        listening = next((i for i, line in enumerate(out) if "Flourish is listening" in line), len(out))
        g.check(any(line.startswith("Problem (integrity):") for line in out[:listening]),
                "7b: serve says 'Problem (integrity)' before it listens", f"{out[:listening]}")
        client = Visitor(port)
        health = client.get("/healthz")
        g.check(health.status == 503 and health.text.startswith("damaged:"), "7b: /healthz answers 503 'damaged:'", repr(health))
        pledges = client.get("/pledges")
        g.check(pledges.status == 200, "7b: /pledges still reads, 200", repr(pledges))
        sign_in = client.sign_in("sam")
        g.check(client.csrf is not None and sign_in.status == 503 and "found its database damaged" in sign_in.text,
                "7b: signing in (a write) is refused with 503, 'found its database damaged'",
                f"csrf token {'found' if client.csrf else 'not found'}; {sign_in!r}")
    finally:
        stop_serving(proc)


def untouched(g, work, pristine):
    db = os.path.join(work, "8-untouched.sqlite")
    shutil.copyfile(pristine, db)
    code, answer, text = verify(db)
    g.check(code == 0 and text.startswith("The audit log is intact:") and answer.get("intact") is True,
            "8 control: the untouched copy verifies intact, exit 0", f"exit {code}: {text[:400]}")


def main():
    flourish_binary("integrity")  # exits saying so when there is no binary
    g = Proof()
    work = tempfile.mkdtemp(prefix="flourish-integrity-")
    started = time.monotonic()
    print("set-up")
    pristine, lone = set_up(g, work)
    for title, case in [("1 a state set by hand", lambda: hand_set_state(g, work, pristine)),
                        ("2 a flipped bit in an instance's data", lambda: flipped_bit(g, work, pristine)),
                        ("3 messages deleted from the outbox", lambda: outbox_rows_deleted(g, work, pristine)),
                        ("4 the newest instance's only event deleted", lambda: newest_event_deleted(g, work, pristine, lone)),
                        ("5 an outbox message naming no event", lambda: message_without_event(g, work, pristine)),
                        ("6 backup of a tampered live database", lambda: backup_refused(g, work, pristine)),
                        ("7 a damaged file", lambda: damaged_file(g, work, pristine)),
                        ("8 control", lambda: untouched(g, work, pristine))]:
        print(title, flush=True)
        case()
    print(f"integrity: {g.count} checks, {len(g.failures)} failed ({time.monotonic() - started:.1f}s)")
    if g.failures:
        print(f"integrity: the copies are kept in {work}")
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
