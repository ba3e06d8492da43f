#!/usr/bin/env python3
"""The web benchmark: wrk against `flourish serve`, with nginx serving a static copy of the same
pledge-wall page as the ceiling, measured in the same run; and the server's peak memory.

Prints a table (requests/s, p50 and p99 latency, ratio to nginx) and, with --json FILE, writes
the figures. Installs wrk and nginx from Debian's archive when missing. Loopback only; every
run is bounded by wrk's --duration.

  python3 scripts/bench_web.py --binary .build/release/flourish [--large-db FILE] [--duration 10]
"""
import argparse, http.client, json, os, pathlib, queue, re, shutil, signal, sqlite3, subprocess, sys, tempfile, threading, time, urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]


def need_debian(package, command):
    if shutil.which(command):
        return
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(prefix + ["apt-get", "update", "-qq"], check=True)
    # apt's chatter stays out of the report (its standard error is shown only if the install fails).
    done = subprocess.run(prefix + ["apt-get", "install", "-y", "-qq", package], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if done.returncode != 0:
        sys.exit(f"bench_web: could not install {package}: {done.stderr[-800:]}")


class Server:
    def __init__(self, binary, db, demo):
        # Every benchmark connection comes from 127.0.0.1: the cap per client address (64) is a
        # guard against one client, not what is measured, and a run's connections still closing
        # as the next run opens its 64 would be refused at accept.
        args = [binary, "serve", "--port", "0", "--tick-every", "0", "--db", db, "--workflows", str(ROOT / "Workflows"),
                "--max-connections-per-address", "0"]
        if demo:
            args.append("--demo")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            sys.exit("bench_web: the server did not start")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def peak_rss_mib(self):
        """VmHWM: the most resident memory the process has held."""
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    return r.status, r.getheaders(), body


def sign_in(port, person):
    status, headers, body = get(port, "/sign-in")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    cookie = "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/sign-in", body=urllib.parse.urlencode({"person": person, "password": "try-flourish-demo", "csrf": csrf}),
              headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = c.getresponse()
    r.read()
    if r.status != 303:
        sys.exit(f"bench_web: signing in as {person} answered {r.status}")
    return "; ".join(v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie")


def warm(url, headers=()):
    """One request before measuring, so wrk times the steady state; the cold build of a page
    over the large partnership is timed on its own by `flourish bench reports`."""
    parsed = urllib.parse.urlparse(url)
    get(parsed.port, parsed.path, dict(h.split(": ", 1) for h in headers))


def wrk(url, duration, connections, threads=2, headers=(), script=None):
    if script is None:
        warm(url, headers)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for h in headers:
        args += ["-H", h]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    return parse_wrk(out)


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50ms": latency(50), "p99ms": latency(99), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socketErrors": errors.group(1).strip() if errors else "", "raw": out}


class SteadyWrites:
    """API writes (logging an action) at a steady rate, each sent when it is due (an open loop):
    a scheduler hands every write, at its moment, to a pool of connections, so a write waiting
    for an answer holds none of the later ones back, as with many people each writing once.

    Each answer's time and status are kept, from sending and from the moment the write was due
    (`late`): what someone writing at that moment waited, including any wait for a free
    connection of the pool. (The first version sent from four threads in turn; a thread held up
    by one slow answer sent its later writes late, so the from-due times measured the client's
    own backlog: during an import in steps, 3.5 s where each write waited one step, 0.4 s.)"""
    def __init__(self, port, token, rate, title, connections=32):
        self.results, self.late, self._stop = [], [], threading.Event()
        body = json.dumps({"group": "early-prevention-board", "title": title, "areas": ["learning"], "owner": "erin", "dueDate": "2027-01-29"})
        due_writes = queue.Queue()

        def scheduler():
            next_at = time.monotonic()
            while not self._stop.is_set():
                time.sleep(max(0, next_at - time.monotonic()))
                due_writes.put(next_at)
                next_at += 1 / rate
            for _ in range(connections):
                due_writes.put(None)

        def writer():
            conn = None
            while (due := due_writes.get()) is not None:
                began = time.monotonic()
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    conn.request("POST", "/api/v1/actions", body=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
                    r = conn.getresponse(); r.read()
                    status = r.status
                except Exception:
                    status, conn = 0, None
                answered = time.monotonic()
                self.results.append((answered - began, status))
                self.late.append(answered - due)
        self._threads = [threading.Thread(target=scheduler)] + [threading.Thread(target=writer) for _ in range(connections)]
        for t in self._threads:
            t.start()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join()

    @property
    def created(self):
        return sum(1 for _, status in self.results if status == 201)

    def percentile(self, p, from_due=False):
        """The p-th percentile in milliseconds, from sending (or, with from_due, from when the write was due)."""
        times = sorted(t * 1000 for t in self.late) if from_due else sorted(t * 1000 for t, _ in self.results)
        return times[min(len(times) - 1, int(len(times) * p / 100))] if times else float("nan")

    @property
    def statuses(self):
        """How many answers there were of each status (0: no answer)."""
        out = {}
        for _, status in self.results:
            out[status] = out.get(status, 0) + 1
        return out


# The mixed run's kinds of request: name, path, connections, signed in, and (paced) the pause
# in milliseconds each connection takes after an answer before its next request.
MIXED_KINDS = [("public pledge wall", "/pledges", 24, False, 20),
               ("public pledge pages", None, 16, False, 40),
               ("dashboard, signed in", "/dashboard", 12, True, 100),
               ("group page, signed in", "/groups/early-prevention-board", 8, True, 200)]


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def paired_api_writes(args, port, lua, work):
    """API writes at 64 connections beside the engine's own 64-caller rate, in paired rounds.

    This machine's speed wanders by a third between minutes (a VM whose fsync and CPU share move),
    so a ratio of two figures measured minutes apart is as noisy as either. Each round measures
    the engine's concurrent callers (in a process of their own, on a fresh database) and then the
    API writes, moments apart; the ratio is the median of the rounds' own ratios, as the engine
    benchmark does for its single caller. Returns the API's figures (median rate, median p50,
    highest p99, every non-2xx) and the (API, engine) rate of each round."""
    seconds = max(2, args.duration // 2)
    runs, paired = [], []
    for i in range(args.rounds):
        engine = subprocess.run([args.binary, "bench", "engine", "--only", "group-commit", "--events", str(args.engine_events),
                                 "--callers", str(args.connections), "--dir", os.path.join(work, f"engine-round-{i}"), "--json",
                                 "--workflows", str(ROOT / "Workflows")], capture_output=True, text=True)
        if engine.returncode != 0:
            sys.exit(f"bench_web: the engine's round {i + 1} failed: {engine.stderr[-500:]}")
        rate = json.loads(engine.stdout)["groupCommitPerSecond"]
        shutil.rmtree(os.path.join(work, f"engine-round-{i}"), ignore_errors=True)
        run = wrk(f"http://127.0.0.1:{port}/api/v1/actions", seconds, args.connections, script=lua)
        runs.append(run)
        paired.append((run["rps"], rate))
    combined = {"rps": median([r["rps"] for r in runs]), "p50ms": median([r["p50ms"] for r in runs]),
                "p99ms": max(r["p99ms"] for r in runs), "non2xx": sum(r["non2xx"] for r in runs),
                "socketErrors": "; ".join(r["socketErrors"] for r in runs if r["socketErrors"])}
    return combined, paired


def mixed(port, cookie, token, duration, write_rate, work, paced=False):
    """Real use at once over one server: 64 connections, mostly public reads (the wall, pledge
    pages), some signed-in dashboards and group pages, and API writes at a steady rate; each
    kind timed on its own (a wrk per kind, all running together, and a writer thread).

    Unpaced, every connection asks again the moment it is answered, so the readers alone keep
    both cores busy and the latencies are mostly time queued. Paced, each connection pauses
    after each answer (wrk's delay()), as people reading pages do: a busy day's offered load
    rather than as much as the machine takes, and the latencies are the server's own."""
    label = "paced mixed" if paced else "mixed"
    status, _, page = get(port, "/pledges")
    pledges = sorted(set(re.findall(rb'href="(/pledges/pledge-[0-9]+)"', page)))[:200] or [b"/pledges"]
    kinds = []
    for name, path, connections, signed_in, pause in MIXED_KINDS:
        lua = os.path.join(work, f"{label}-{connections}.lua".replace(" ", "-"))
        with open(lua, "w") as f:
            if path is None:
                f.write("paths = {" + ", ".join(f'"{p.decode()}"' for p in pledges) + "}\n"
                        "i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
            if paced:
                f.write(f"delay = function()\n  return {pause}\nend\n")
        headers = [f"Cookie: {cookie}"] if signed_in else []
        url = f"http://127.0.0.1:{port}{path or '/'}"
        if path is not None:
            warm(url, headers)
        kinds.append((name, url, connections, headers, lua))
    writes = SteadyWrites(port, token, write_rate, f"Logged in the {label} run")
    procs = []
    for name, url, connections, headers, lua in kinds:
        args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s", "-s", lua]
        for h in headers:
            args += ["-H", h]
        procs.append((name, subprocess.Popen(args + [url], stdout=subprocess.PIPE, text=True)))
    results = {}
    for name, proc in procs:
        out, _ = proc.communicate(timeout=duration + 60)
        results[f"{label}: {name}"] = parse_wrk(out)
    writes.stop()
    # Timed from when each write was due, so a stall is not hidden by the writes sent late after it.
    results[f"{label}: API writes (log an action)"] = {"rps": len(writes.results) / duration, "p50ms": writes.percentile(50, from_due=True),
                                                    "p99ms": writes.percentile(99, from_due=True),
                                                    "non2xx": len(writes.results) - writes.created, "socketErrors": ""}
    return results


def nginx_serving(page, work):
    need_debian("nginx", "nginx")
    root = os.path.join(work, "nginx-root")
    os.makedirs(root, exist_ok=True)
    os.chmod(work, 0o755)  # nginx's workers run as www-data: they must reach the page
    with open(os.path.join(root, "pledges.html"), "wb") as f:
        f.write(page)
    port = 18080 + os.getpid() % 1000
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ default_type text/html; }}
  }}
}}
""")
    subprocess.run(["nginx", "-c", conf, "-p", work], check=True)
    time.sleep(0.3)
    return port, conf


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "flourish"))
    parser.add_argument("--large-db", help="A large generated database (from `flourish bench reports --dir`) to measure memory on.")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--write-rate", type=float, default=50, help="API writes a second in the mixed run (default 50).")
    parser.add_argument("--json", help="Write the figures here.")
    parser.add_argument("--rounds", type=int, default=5, help="Paired rounds of API writes and the engine's concurrent callers (default 5).")
    parser.add_argument("--engine-events", type=int, default=30000, help="Events in each round's engine measurement (default 30000).")
    args = parser.parse_args()
    need_debian("wrk", "wrk")
    work = tempfile.mkdtemp(prefix="flourish-bench-web-")
    results = {}
    server = Server(args.binary, os.path.join(work, "demo.sqlite"), demo=True)
    nginx_conf = None
    try:
        port = server.port
        status, _, page = get(port, "/pledges")
        assert status == 200, status
        nginx_port, nginx_conf = nginx_serving(page, work)
        cookie = sign_in(port, "sam")
        token = subprocess.run([args.binary, "user", "token", "erin", "--name", "bench", "--json", "--db", os.path.join(work, "demo.sqlite"),
                                "--workflows", str(ROOT / "Workflows")], capture_output=True, text=True, check=True)
        token = json.loads(token.stdout)["token"]
        lua = os.path.join(work, "write.lua")
        with open(lua, "w") as f:
            f.write('wrk.method = "POST"\n'
                    'wrk.body = \'{"group":"early-prevention-board","title":"Benchmark action","areas":["learning"],"owner":"erin","dueDate":"2027-01-29"}\'\n'
                    f'wrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer {token}"\n')
        c = args.connections
        results["nginx static pledge wall"] = wrk(f"http://127.0.0.1:{nginx_port}/pledges.html", args.duration, c)
        if results["nginx static pledge wall"]["non2xx"]:
            sys.exit("bench_web: nginx did not serve the page (see its error log); the ceiling would be wrong")
        results["flourish public pledge wall"] = wrk(f"http://127.0.0.1:{port}/pledges", args.duration, c)
        results["flourish dashboard, signed in"] = wrk(f"http://127.0.0.1:{port}/dashboard", args.duration, c, headers=[f"Cookie: {cookie}"])
        results["flourish API write (log an action)"], paired = paired_api_writes(args, port, lua, work)
        results["peakRssMiB demo"] = server.peak_rss_mib()
    finally:
        server.stop()
        if nginx_conf:
            subprocess.run(["nginx", "-c", nginx_conf, "-p", work, "-s", "stop"], capture_output=True)

    if args.large_db:
        # The runs write (the mixed runs' actions, the sign-in's session): on a copy, so that
        # every run starts from the same partnership. Writing to the generated file itself made
        # one group's page grow by 500 actions a run, and its figures with it.
        large_copy = os.path.join(work, "large.sqlite")
        source, copy = sqlite3.connect(args.large_db), sqlite3.connect(large_copy)
        source.backup(copy)
        source.close(); copy.close()
        large = Server(args.binary, large_copy, demo=False)
        try:
            cookie = sign_in(large.port, "sam")
            results["flourish public pledge wall, large data"] = wrk(f"http://127.0.0.1:{large.port}/pledges", args.duration, 8)
            results["flourish dashboard, large data"] = wrk(f"http://127.0.0.1:{large.port}/dashboard", args.duration, 8, headers=[f"Cookie: {cookie}"])
            token = subprocess.run([args.binary, "user", "token", "erin", "--name", "bench-mixed", "--json", "--db", large_copy,
                                    "--workflows", str(ROOT / "Workflows")], capture_output=True, text=True, check=True)
            token = json.loads(token.stdout)["token"]
            results.update(mixed(large.port, cookie, token, args.duration, args.write_rate, work))
            results.update(mixed(large.port, cookie, token, args.duration, args.write_rate, work, paced=True))
            results["peakRssMiB large"] = large.peak_rss_mib()
        finally:
            large.stop()
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(large_copy + suffix):
                    os.remove(large_copy + suffix)

    ceiling = results["nginx static pledge wall"]["rps"]
    print(f"Web benchmark: wrk -t2 -c{args.connections} -d{args.duration}s on loopback; nginx serves the same pledge-wall HTML ({len(page)} bytes) as the ceiling")
    print()
    print(f"{'measurement':<48}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'vs nginx':>10}{'non-2xx':>9}")
    for name, r in results.items():
        if isinstance(r, dict):
            print(f"{name:<48}{r['rps']:>12.0f}{r['p50ms']:>9.2f}{r['p99ms']:>9.2f}{r['rps'] / ceiling:>10.2f}{r['non2xx']:>9}"
                  + (f"  socket errors: {r['socketErrors']}" if r["socketErrors"] else ""))
    print()
    def mb(mib):
        return f"{mib * 1.048576:.0f} MB ({mib:.0f} MiB)"
    print(f"Each GET was measured after one warm-up request. Server peak resident memory (VmHWM): {mb(results['peakRssMiB demo'])} over the demo run"
          + (f", {mb(results['peakRssMiB large'])} over the large-data run, from start-up through signing in, the cold builds and both runs" if "peakRssMiB large" in results else ""))
    if any(k.startswith("mixed:") for k in results):
        print(f"The mixed runs: over the large partnership, 64 connections at once (the wall 24, pledge pages 16, dashboards 12, group pages 8) while API writes")
        print(f"arrive at {args.write_rate:.0f} a second; each kind's figures are its own. Unpaced, each connection asks again as soon as it is answered (both cores")
        print("busy with reads, so latency is mostly queueing); paced, each pauses after an answer (the wall 20 ms, pledge pages 40, dashboards 100, group pages 200),")
        print("a busy day's offered load, and latency is the server's own.")
        print("Both run on a copy of the large partnership, so every run starts from the same records. The API writes' latencies are timed")
        print("from when each write was due to be sent, so a stall shows in full rather than as late writes answered quickly.")
    ratios = [a / e for a, e in paired]
    print(f"API writes at {args.connections} connections, in {len(paired)} rounds each paired with the engine's {args.connections} concurrent callers")
    print(f"moments before it (`bench engine --only group-commit`, {args.engine_events} events, a fresh database each round):")
    for i, (a, e) in enumerate(paired, 1):
        print(f"  round {i}: API {a:6.0f} a second, engine {e:6.0f} a second, ratio {a / e:.2f}")
    print(f"  median ratio {median(ratios):.2f} (from {min(ratios):.2f} to {max(ratios):.2f}); the API row above is the rounds' median rate,")
    print("  the median of their p50s and the highest of their p99s.")
    print("Targets: the pledge wall at least 0.40 of nginx with p99 under 20 ms at 64 connections; resident memory under 100 MB with the large dataset;")
    print("in the mixed run, the signed-in dashboard's p99 under 50 ms while the writes go on, and the wall's under 20 ms;")
    print("API writes at least 0.40 of the engine's concurrent-caller rate, p99 under 50 ms.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({k: ({kk: vv for kk, vv in v.items() if kk != "raw"} if isinstance(v, dict) else v) for k, v in results.items()}, f, indent=2)


if __name__ == "__main__":
    main()
