#!/usr/bin/env python3
"""Durability under load: the server killed with -9, the CLI and the server writing at once,
a backup taken while the server writes, and a full disk.

A. kill -9 the server: four HTTP clients log actions through the JSON API, each with a unique
   client token as its Idempotency-Key; the server is killed with SIGKILL at a random moment,
   many rounds. After each: `PRAGMA integrity_check` is ok, every token the server answered
   201 for is in the event log, and `flourish audit verify` passes.
B. The CLI (`flourish stress write`, four threads) and the server (four HTTP clients) write to
   one database at once: no "database is locked" reaches anyone, every write is answered, and
   every acknowledged token is stored.
C. `flourish backup` three times during B's load: each copy opens, is intact, its audit log
   verifies, and it holds a prefix of the live log.
D. A full disk: the database on a small tmpfs. Writes are refused with 503 and a message
   (never 500), reads go on, the file stays intact, and writing resumes once the tmpfs grows.

Bounded: every loop has a count and a deadline; the whole script takes about 40 s.
"""
import http.client, json, os, pathlib, random, signal, sqlite3, subprocess, sys, tempfile, threading, time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("FLOURISH_BIN", str(ROOT / ".build" / "debug" / "flourish"))
ROUNDS = int(os.environ.get("DURABILITY_ROUNDS", "8"))
GROUP = "data-and-system-performance-group"   # dee chairs it in the demo partnership


class Checks:
    def __init__(self):
        self.failures, self.count = [], 0

    def check(self, ok, what, detail=""):
        self.count += 1
        if not ok:
            self.failures.append(f"{what}: {detail}")
            print(f"  FAIL {what}: {detail}")
        return ok

    def sections(self, sections):
        """Runs each (title, function) in turn, saying whether each held and how long it took."""
        for title, section in sections:
            t = time.monotonic()
            print(title)
            before = len(self.failures)
            section()
            print(f"  {'ok' if len(self.failures) == before else 'FAILED'} ({time.monotonic() - t:.1f}s)")


def env_for(db):
    return dict(os.environ, FLOURISH_DB=db, FLOURISH_WORKFLOWS=str(ROOT / "Workflows"), FLOURISH_AS="admin")


def flourish(db, *args, timeout=60):
    return subprocess.run([BINARY, *args], env=env_for(db), capture_output=True, text=True, timeout=timeout)


def make_database(db):
    r = flourish(db, "init", "--demo")
    if r.returncode != 0:
        sys.exit(f"durability: init failed: {r.stderr}")
    r = flourish(db, "user", "token", "dee", "--name", "durability load", "--json")
    return json.loads(r.stdout)["token"]


class Server:
    def __init__(self, db, work):
        self.stderr_path = os.path.join(work, f"server-{time.monotonic_ns()}.log")
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([BINARY, "serve", "--port", "0", "--tick-every", "0"], env=env_for(db),
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        deadline = time.monotonic() + 20
        self.port = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if "listening on http://" in line:
                self.port = int(line.strip().rsplit(":", 1)[1])
                break
        if self.port is None:
            self.proc.kill()
            sys.exit(f"durability: the server did not start ({open(self.stderr_path).read()[-500:]})")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.stderr.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def log(self):
        return open(self.stderr_path, errors="replace").read()


def request(port, method, path, body=None, token=None, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def action_body(token, description=""):
    return {"group": GROUP, "title": f"Durability action {token}", "owner": "dee", "dueDate": "2027-03-01",
            "areas": ["learning"], "priority": "send", "description": description}


class Threads:
    """Worker threads (`self.threads`) started together and stopped by one event (`self.stopping`)."""

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=15)


class Writers(Threads):
    """HTTP clients logging actions, each with a unique token, until stopped or a count is reached."""

    def __init__(self, port, api_token, prefix, clients=4, per_client=100000, description=""):
        self.acked, self.answers, self.errors = set(), {}, []
        self.lock, self.stopping = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(port, api_token, f"{prefix}-{i}", per_client, description), daemon=True)
                        for i in range(clients)]

    def run(self, port, api_token, prefix, count, description):
        conn = None
        for n in range(count):
            if self.stopping.is_set():
                return
            token = f"{prefix}-{n}"
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/api/v1/actions", body=json.dumps(action_body(token, description)).encode(),
                             headers={"Authorization": f"Bearer {api_token}", "Content-Type": "application/json", "Idempotency-Key": token})
                r = conn.getresponse()
                text = r.read()
                with self.lock:
                    self.answers[r.status] = self.answers.get(r.status, 0) + 1
                    if r.status == 201:
                        self.acked.add(token)
                    elif len(self.errors) < 5:
                        self.errors.append(f"{r.status} {text[:200]!r}")
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    if len(self.errors) < 5 and not self.stopping.is_set():
                        self.errors.append(f"{type(e).__name__}: {e}")
                conn = None
                if self.stopping.is_set():
                    return
                time.sleep(0.05)



def stored_tokens(db):
    con = sqlite3.connect(db)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        # A key sent through the API or the CLI is kept scoped to its sender ("PERSON:KEY").
        tokens = {row[0].split(":", 1)[-1] for row in con.execute("SELECT idempotency_key FROM events WHERE idempotency_key IS NOT NULL")}
        return integrity, tokens
    finally:
        con.close()


def kill_the_server(g, work, rng):
    db = os.path.join(work, "kill.sqlite")
    api_token = make_database(db)
    acknowledged = set()
    for round_number in range(1, ROUNDS + 1):
        server = Server(db, work)
        writers = Writers(server.port, api_token, f"k{round_number}").start()
        time.sleep(rng.uniform(0.3, 1.2))
        server.kill()
        writers.stop()
        acknowledged |= writers.acked
        integrity, stored = stored_tokens(db)
        missing = acknowledged - stored
        verify = flourish(db, "audit", "verify")
        print(f"  round {round_number}: killed after {len(writers.acked)} acknowledged writes; integrity {integrity}; "
              f"{len(missing)} acknowledged missing; audit verify exit {verify.returncode}")
        g.check(integrity == "ok", f"kill round {round_number}: integrity", integrity)
        g.check(not missing, f"kill round {round_number}: acknowledged writes kept", f"{len(missing)} missing, e.g. {sorted(missing)[:3]}")
        g.check(verify.returncode == 0, f"kill round {round_number}: audit verify", verify.stdout + verify.stderr)
    g.check(len(acknowledged) >= ROUNDS, "the kill rounds wrote something", f"only {len(acknowledged)} writes acknowledged in {ROUNDS} rounds")


def cli_and_server_with_backups(g, work):
    db = os.path.join(work, "shared.sqlite")
    api_token = make_database(db)
    server = Server(db, work)
    try:
        writers = Writers(server.port, api_token, "web").start()
        stress = subprocess.Popen([BINARY, "stress", "write", "--threads", "4", "--count", "150", "--prefix", "cli"], env=env_for(db),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        backups = []
        for n in range(3):
            time.sleep(0.6)
            copy = os.path.join(work, f"backup-{n}.sqlite")
            r = flourish(db, "backup", copy)
            backups.append((copy, r))
        try:
            cli_out, cli_err = stress.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            stress.kill()
            cli_out, cli_err = stress.communicate()
        time.sleep(0.3)
        writers.stop()
        cli_acked = {line.split()[1] for line in cli_out.splitlines() if line.startswith("ack ")}
        integrity, stored = stored_tokens(db)
        print(f"  the server acknowledged {len(writers.acked)} writes ({writers.answers}) while the CLI acknowledged {len(cli_acked)}")
        g.check(stress.returncode == 0, "CLI writer finished", f"exit {stress.returncode}: {cli_err[-300:]}")
        g.check(len(cli_acked) == 4 * 150 + 4, "CLI writer wrote everything", f"{len(cli_acked)} of {4 * 150 + 4}")
        g.check(set(writers.answers) == {201} and not writers.errors, "every web write answered 201", f"{writers.answers} {writers.errors}")
        g.check(len(writers.acked) > 20, "the web writes went on alongside", f"only {len(writers.acked)}")
        everything_said = cli_err + server.log() + " ".join(writers.errors)
        g.check("locked" not in everything_said.lower(), "no 'database is locked' reached anyone",
                [line for line in everything_said.splitlines() if "locked" in line.lower()][:3])
        g.check(integrity == "ok", "shared database intact", integrity)
        g.check(not ((writers.acked | cli_acked) - stored), "every acknowledged write stored",
                f"{len((writers.acked | cli_acked) - stored)} missing")
        live_hashes = dict(sqlite3.connect(db).execute("SELECT seq, hash FROM events").fetchall())
        for copy, r in backups:
            name = os.path.basename(copy)
            if not g.check(r.returncode == 0 and "The copy checks out" in r.stdout, f"{name} taken under load", r.stdout + r.stderr):
                continue
            con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            copy_integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
            copy_hashes = dict(con.execute("SELECT seq, hash FROM events").fetchall())
            con.close()
            verify = flourish(copy, "audit", "verify")
            g.check(copy_integrity == "ok", f"{name} intact", copy_integrity)
            g.check(verify.returncode == 0, f"{name} audit log verifies", verify.stdout + verify.stderr)
            prefix = all(live_hashes.get(seq) == h for seq, h in copy_hashes.items()) and sorted(copy_hashes) == list(range(1, len(copy_hashes) + 1))
            g.check(prefix, f"{name} holds a prefix of the live log", f"{len(copy_hashes)} events, not a prefix")
            print(f"  {name}: {len(copy_hashes)} events of {len(live_hashes)}, integrity {copy_integrity}, audit exit {verify.returncode}")
    finally:
        server.stop()


def run_as_root(*args):
    command = list(args) if os.geteuid() == 0 else ["sudo", "-n", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def full_disk(g, work):
    mount = os.path.join(work, "small-disk")
    os.makedirs(mount)
    r = run_as_root("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount)
    if not g.check(r.returncode == 0, "mount a 3 MiB tmpfs", f"{r.stderr.strip()} (this check needs root or passwordless sudo)"):
        return
    server = None
    try:
        db = os.path.join(mount, "full.sqlite")
        api_token = make_database(db)
        server = Server(db, work)
        writers = Writers(server.port, api_token, "fill", clients=2, per_client=2000, description="x" * 4000)
        writers.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not writers.answers.get(503) and any(t.is_alive() for t in writers.threads):
            time.sleep(0.1)
        writers.stop()
        print(f"  filling the disk: {writers.answers}")
        g.check(writers.answers.get(503, 0) > 0, "a full disk refuses writes with 503", f"answers {writers.answers} {writers.errors}")
        g.check(500 not in writers.answers, "never a 500 on a full disk", f"answers {writers.answers} {writers.errors}")
        # A rolled-back write can free a few pages, so one more may fit: write until the disk refuses again.
        for attempt in range(20):
            status, headers, body = request(server.port, "POST", "/api/v1/actions", action_body(f"after-full-{attempt}", "y" * 4000), token=api_token)
            if status != 201:
                break
        g.check(status == 503 and headers.get("Retry-After") and b"storage is full" in body, "the 503 says the storage is full",
                f"{status} {headers.get('Retry-After')} {body[:200]!r}")
        for path in ["/", "/pledges", "/api/v1/pledges", "/governance"]:
            status, _, body = request(server.port, "GET", path)
            g.check(status == 200, f"reading {path} on a full disk", f"{status} {body[:200]!r}")
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
        g.check(integrity == "ok", "intact on a full disk", integrity)
        _, stored = stored_tokens(db)
        g.check(not (writers.acked - stored), "writes acknowledged before the disk filled are kept", f"{len(writers.acked - stored)} missing")

        r = run_as_root("mount", "-o", "remount,size=64m", mount)
        g.check(r.returncode == 0, "grow the tmpfs", r.stderr)
        status, _, body = request(server.port, "POST", "/api/v1/actions", action_body("after-room"), token=api_token,
                                  headers={"Idempotency-Key": "after-room"})
        g.check(status == 201, "writing resumes once there is room", f"{status} {body[:300]!r}")
        server.stop()
        server = None
        verify = flourish(db, "audit", "verify")
        g.check(verify.returncode == 0, "audit log verifies after the full disk", verify.stdout + verify.stderr)
        integrity, stored = stored_tokens(db)
        g.check(integrity == "ok" and "after-room" in stored, "intact, with the write made after recovery", integrity)
    finally:
        if server:
            server.stop()
        run_as_root("umount", mount)


def main():
    if not os.path.exists(BINARY):
        sys.exit(f"durability: no binary at {BINARY}; build first (swift build)")
    rng = random.Random(int(os.environ.get("DURABILITY_SEED", "20261125")))
    g = Checks()
    work = tempfile.mkdtemp(prefix="flourish-durability-")
    started = time.monotonic()
    g.sections([("A kill -9 the server under write load", lambda: kill_the_server(g, work, rng)),
                ("B+C the CLI and the server writing at once, with backups", lambda: cli_and_server_with_backups(g, work)),
                ("D a full disk", lambda: full_disk(g, work))])
    print(f"durability: {g.count} checks, {len(g.failures)} failed ({time.monotonic() - started:.1f}s)")
    sys.exit(1 if g.failures else 0)


if __name__ == "__main__":
    main()
