"""Metrics and alerts checked with Prometheus's own tools (issue 23).

Starts `flourish serve --demo --port 0 --tick-every 1` on a fresh database and drives it as
its users would (pages, a 404, a failed sign-in, writes through the API), then scrapes
/metrics with a metrics token and checks:

  A. `promtool check metrics` reads the exposition without a problem or a lint warning.
  B. The figures match what was done: each route's request count by status, the failed
     sign-in, the group commits (one batch per commit, their sizes adding up to at least the
     writes acknowledged), the audit head equal to `flourish audit verify`'s, the outbox by
     status equal to `flourish outbox list --status S --json`'s totals, file sizes.
  C. Timers: on a second database whose clock was moved on with nobody ticking, the server
     (ticking every second) fires them and reports how late, and no timer is left due.
  D. The alerting rules in ops/prometheus: `promtool check rules` and `promtool test rules`.
  E. A lost WAL tail: writes acknowledged, the head read from /metrics as Prometheus would
     keep it, the server killed and its -wal file lost. `audit verify` alone cannot know;
     `audit verify --head` with the published head names what was removed.

Installs Debian's prometheus package (for promtool) when promtool is missing. Uses
FLOURISH_BIN when set, else .build/debug/flourish. Exit 0 when every check holds.
"""
import json, os, pathlib, re, shutil, subprocess, sys, tempfile, time
from served import start_serving, stop_serving, flourish_binary
import web_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = ROOT / "ops" / "prometheus"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def need_promtool():
    if shutil.which("promtool"):
        return shutil.which("promtool")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "install", "-y", "--no-install-recommends", "prometheus"], env=env,
                   stdout=subprocess.DEVNULL, check=False)
    if not shutil.which("promtool"):
        subprocess.run(sudo + ["apt-get", "update"], env=env, stdout=subprocess.DEVNULL, check=False)
        subprocess.run(sudo + ["apt-get", "install", "-y", "--no-install-recommends", "prometheus"], env=env,
                       stdout=subprocess.DEVNULL, check=True)
    return shutil.which("promtool")


def samples(text):
    """{ 'name{labels}': value } for every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def main():
    promtool = need_promtool()
    binary = flourish_binary("check_metrics")
    work = pathlib.Path(tempfile.mkdtemp(prefix="flourish-metrics-"))
    db = str(work / "f.sqlite")

    def cli(*args, now=None, database=None):
        env = dict(os.environ, FLOURISH_DB=database or db)
        if now:
            env["FLOURISH_NOW"] = now
        r = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
        if r.returncode != 0:
            raise SystemExit(f"flourish {' '.join(args)} failed: {r.stderr}")
        return r.stdout

    stdout, stderr = [], []
    proc, port = start_serving([binary, "serve", "--demo", "--db", db, "--port", "0", "--tick-every", "0"],
                               stdout, stderr, "check_metrics", cwd=ROOT)
    try:
        token = cli("user", "token", "sam", "--name", "prometheus", "--scope", "metrics").strip()
        writer_token = cli("user", "token", "erin", "--name", "script").strip()
        visitor = web_client.Client(port)
        for _ in range(3):
            visitor.get("/pledges")
        visitor.get("/no-such-page")
        visitor.post_form("/sign-in", [("person", "sam"), ("password", "wrong password entirely"), ("next", "/")], page="/sign-in")
        # Writes through the API: updates on one of erin's actions.
        api = web_client.Client(port, token=writer_token)
        actions = [item.get("action", item) for item in api.get("/api/v1/actions?limit=1000").json()["actions"]]
        chosen = None
        for action in actions:
            r = api.post_json(f"/api/v1/instances/{action['id']}/events/update", {"rag": "green", "commentary": "Metrics check"})
            if r.status in (200, 201):
                chosen = action["id"]
                break
        acknowledged = 1 if chosen else 0
        for i in range(4):
            r = api.post_json(f"/api/v1/instances/{chosen}/events/update", {"rag": "amber", "commentary": f"Metrics check {i}"})
            acknowledged += r.status in (200, 201)
        prometheus = web_client.Client(port, token=token)
        scrape = prometheus.get("/metrics")
        check(scrape.status == 200 and "text/plain" in (scrape.header("Content-Type") or ""), "a metrics token scrapes /metrics as text")
        text = scrape.body.decode()
        (work / "metrics.txt").write_text(text)

        # A. Prometheus's own reader and linter.
        lint = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
        check(lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(),
              f"A promtool check metrics: no problem and no lint warning {lint.stdout.strip()} {lint.stderr.strip()}")

        # B. The figures are what happened.
        s = samples(text)
        check(s.get('flourish_http_request_duration_seconds_count{route="GET /pledges",status="200"}') == 3,
              "B the wall's three views are counted under their route and status")
        check(any(k.startswith("flourish_http_request_duration_seconds_count{") and 'status="404"' in k for k in s),
              "B the page not found is counted with status 404")
        check(s.get("flourish_sign_in_failures_total") == 1, "B the failed sign-in is counted")
        batches, sizes = s.get("flourish_commit_batch_size_count", 0), s.get("flourish_commit_batch_size_sum", 0)
        check(acknowledged == 5 and sizes >= acknowledged and batches >= 1 and s.get("flourish_commit_duration_seconds_count") == batches,
              f"B {acknowledged} API writes acknowledged; {int(batches)} group commits carried {int(sizes)} writes, each timed")
        head = cli("audit", "verify")
        printed = re.search(r"(\d+):([0-9a-f]{64})", head)
        check(printed is not None and f'flourish_audit_head_info{{head="{printed.group(0)}"}}' in s,
              "B the audit head in the metrics is the head `flourish audit verify` prints")
        for status in ("pending", "sent", "failed", "undeliverable"):
            listed = json.loads(cli("outbox", "list", "--status", status, "--json", "--limit", "1"))["total"]
            check(s.get(f'flourish_outbox_messages{{status="{status}"}}') == listed,
                  f"B outbox {status}: {listed} as `flourish outbox list` counts")
        check(s.get("flourish_database_size_bytes", 0) == os.path.getsize(db), "B the database's size is the file's")
        check(0 < s.get("flourish_disk_free_bytes", 0) <= s.get("flourish_disk_size_bytes", 0), "B the disk's free space is reported")
    finally:
        stop_serving(proc)

    # C. Timers due with nobody ticking, then fired by a server that ticks every second.
    late = str(work / "late.sqlite")
    later = "2027-06-01T09:00"
    cli("init", "--demo", database=late)
    stdout2, stderr2 = [], []
    proc, port = start_serving(["env", f"FLOURISH_NOW={later}", binary, "serve", "--db", late, "--port", "0", "--tick-every", "0"],
                               stdout2, stderr2, "check_metrics (late)", cwd=ROOT)
    try:
        token = cli("user", "token", "sam", "--name", "prometheus", "--scope", "metrics", now=later, database=late).strip()
        before = samples(web_client.Client(port, token=token).get("/metrics").body.decode())
        due = before.get("flourish_timers_due", 0)
        check(due > 0 and before.get("flourish_timers_oldest_due_age_seconds", 0) > 86_400,
              f"C six months on with nobody ticking: {int(due)} timers due, the oldest {before.get('flourish_timers_oldest_due_age_seconds', 0) / 86400:.0f} days late")
    finally:
        stop_serving(proc)
    stdout3, stderr3 = [], []
    proc, port = start_serving(["env", f"FLOURISH_NOW={later}", binary, "serve", "--db", late, "--port", "0", "--tick-every", "1"],
                               stdout3, stderr3, "check_metrics (ticking)", cwd=ROOT)
    try:
        client = web_client.Client(port, token=token)
        deadline = time.monotonic() + 30
        after = {}
        while time.monotonic() < deadline:
            time.sleep(1)
            after = samples(client.get("/metrics").body.decode())
            if after.get("flourish_timers_due", 1) == 0 and after.get("flourish_timer_lateness_seconds_count", 0) > 0:
                break
        fired = after.get("flourish_timer_lateness_seconds_count", 0)
        check(after.get("flourish_timers_due") == 0 and fired > 0, f"C the ticking server fired them: {int(fired)} fired, none left due")
        check(after.get('flourish_timer_lateness_seconds_bucket{le="86400"}', -1) < fired,
              "C their lateness is observed: some waited more than a day")
    finally:
        stop_serving(proc)

    # D. The alerting rules, with Prometheus's own checker and unit tests.
    rules = subprocess.run([promtool, "check", "rules", "flourish-alerts.yml"], cwd=RULES, capture_output=True, text=True)
    check(rules.returncode == 0, f"D promtool check rules ops/prometheus/flourish-alerts.yml {rules.stdout.strip().splitlines()[-1:] }")
    tests = subprocess.run([promtool, "test", "rules", "flourish-alerts.test.yml"], cwd=RULES, capture_output=True, text=True)
    check(tests.returncode == 0, "D promtool test rules: every alert fires when it should and not before" + ("" if tests.returncode == 0 else "\n" + tests.stdout + tests.stderr))

    # E. A lost WAL tail, caught by the head published in /metrics.
    tail = str(work / "tail.sqlite")
    cli("init", "--demo", database=tail)
    import sqlite3
    with sqlite3.connect(tail) as con:  # the demo into the main file, as a checkpoint long ago would have put it
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stdout4, stderr4 = [], []
    head_file = str(work / "heads" / "flourish.head")
    os.makedirs(os.path.dirname(head_file))
    proc, port = start_serving(["env", "FLOURISH_REPLICATED=1", binary, "serve", "--db", tail, "--port", "0", "--tick-every", "0",
                                "--audit-head-file", head_file], stdout4, stderr4, "check_metrics (tail)", cwd=ROOT)
    try:
        # The head goes to the log and to --audit-head-file as the server starts (then each minute it moves).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not open(head_file).read().strip():
            time.sleep(0.1)
        started_head = cli("audit", "verify", database=tail)
        filed = open(head_file).read().split()
        logged = [line for line in stderr4 if '"audit head"' in line]
        check(len(filed) == 2 and filed[1] in started_head and logged and filed[1] in logged[-1],
              f"E the server wrote the head at start-up to --audit-head-file ({' '.join(filed)[:50]}…) and to its log")
        token = cli("user", "token", "sam", "--name", "prometheus", "--scope", "metrics", database=tail).strip()
        writer = cli("user", "token", "erin", "--name", "script", database=tail).strip()
        api = web_client.Client(port, token=writer)
        actions = [item.get("action", item) for item in api.get("/api/v1/actions?limit=1000").json()["actions"]]
        written = 0
        for action in actions:
            while written < 3 and api.post_json(f"/api/v1/instances/{action['id']}/events/update",
                                                {"rag": "green", "commentary": f"Before the crash {written}"}).status in (200, 201):
                written += 1
            if written == 3:
                break
        published = next((k for k in samples(web_client.Client(port, token=token).get("/metrics").body.decode())
                          if k.startswith("flourish_audit_head_info{")), "")
        head = re.search(r'head="([^"]+)"', published).group(1)
    finally:
        proc.kill()
        proc.wait()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(tail + suffix):
            os.remove(tail + suffix)
    env = dict(os.environ, FLOURISH_DB=tail)
    alone = subprocess.run([binary, "audit", "verify"], env=env, capture_output=True, text=True, cwd=ROOT)
    kept = re.search(r"intact: (\d+) events", alone.stdout)
    check(written == 3 and alone.returncode == 0 and kept is not None and int(kept.group(1)) > 0,
          f"E {written} acknowledged writes lost with the -wal file: alone, audit verify cannot tell ({alone.stdout.strip().splitlines()[0] if alone.stdout else alone.stderr})")
    held = subprocess.run([binary, "audit", "verify", "--head", head], env=env, capture_output=True, text=True, cwd=ROOT)
    check(held.returncode == 1 and "no longer in the chain" in held.stdout,
          f"E with the head /metrics published ({head[:16]}…), audit verify --head names the loss: {held.stdout.strip()[:160]}")

    if os.environ.get("METRICS_KEEP") != "1":
        shutil.rmtree(work, ignore_errors=True)
    print(f"FAILED: {len(failures)} checks failed" if failures else "passed: every check held")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
