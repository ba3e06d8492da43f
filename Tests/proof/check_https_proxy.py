#!/usr/bin/env python3
"""HTTPS behind a proxy: Flourish as ops/ deploys it, behind Debian's nginx, checked end to end.

The configuration under test is the project's own: ops/nginx/flourish.conf (a server-block
template) and ops/systemd/flourish.service with ops/systemd/flourish-litestream.service.

  units     both units have the keys a deployment relies on (DynamicUser, ProtectSystem=strict,
            StateDirectory, the database path, FLOURISH_REPLICATED=1, the serve command line,
            Restart=on-failure, the same dynamic user for both); `systemd-analyze verify`
            (when Debian's systemd is there: it is not installed for this) finds nothing to say
            about them, run on a scratch root holding the system's unit files and stand-ins for
            /usr/local/bin/flourish and /usr/bin/litestream; the serve options in ExecStart
            are ones `flourish serve --help` documents.
  template  ops/nginx/flourish.conf listens with ssl, proxies to 127.0.0.1, sets Host,
            X-Forwarded-For $proxy_add_x_forwarded_for and X-Forwarded-Proto https, limits
            bodies to 1m (the server's own limit) and redirects plain HTTP to https://; it is
            rendered as an operator would (envsubst's ${NAME}s) with a self-signed certificate
            (the openssl CLI) and loopback ports, and `nginx -t` accepts it.
  served    nginx runs that rendering (not as a daemon, its pid, logs and temp paths in a
            temporary folder, listening on 127.0.0.1 only) in front of `flourish serve --demo`
            started with the unit's own ExecStart options (its --port made 0, so a free one).
            Through HTTPS (Python's TLS client trusting only that certificate, its connections
            from 127.0.0.5, so the client is not the proxy): every answer carries
            Strict-Transport-Security; signing in, a signed-in page and signing out work; every
            cookie set is `__Host-`, Secure, HttpOnly, Path=/ and has no Domain; every redirect's
            Location is relative or https://, never http://; nginx's plain-HTTP port answers
            301 to https:// with the path and query kept; a body over 1 MB is refused by nginx
            with 413 and one under it reaches Flourish.
  client    Flourish's access log names the client 127.0.0.5 for those requests, not the proxy;
            a client sending its own `X-Forwarded-For: 10.9.9.9` through nginx is logged as
            127.0.0.5 (nginx appends the real address; the server takes the last one that is not
            a trusted proxy), and so is one sending it straight to Flourish (not a trusted proxy,
            so ignored).
  throttle  three wrong passwords for erin from 127.0.0.5, then the 4th try is 429 "Too many
            failed sign-ins from here", and so are tries with erin's right password from
            127.0.0.5 sending a made-up X-Forwarded-For (10.9.9.9, or the neighbour's
            127.0.0.6), while erin signs in at once from 127.0.0.6. Then 127.0.0.5 fails
            for made-up user names until it has failed 20 times in all: the next try, for yet
            another name, is 429 (the per-address ceiling), while from 127.0.0.6 a wrong
            password for a new name is only 422 and sam signs in. On a server that took the
            proxy's address for everyone, 127.0.0.6 would be held up too.
  browser   headless Chromium (check_browser's Browser, trusting only this certificate by its
            public key) at https://: contact-1 signs in, opens My organisation, makes a pledge
            ("Your pledge is submitted."), and signs out; every page is https:// and answered
            without error, and the browser holds only __Host- cookies, Secure and HttpOnly.

Prints one PASS or FAIL line per check with its evidence, then `https proxy: N passed, M failed`;
exits 0 only when every check holds. Installs what is missing: Debian's nginx and openssl, and
what check_browser.install_tools installs (chromium, chromium-driver, a JRE, selenium). About 10 s
after the installs; a watchdog stops everything after WATCHDOG seconds. Uses FLOURISH_BIN when
set, else .build/debug/flourish; FLOURISH_WORKFLOWS when set, else this checkout's Workflows.
HTTPS_KEEP=1 keeps the temporary folder (certificate, nginx's config and logs, the server's output).
"""
import base64, hashlib, http.client, json, os, pathlib, pwd, grp, re, shlex, shutil, signal, socket, ssl, subprocess, sys, tempfile, threading, time, urllib.parse
from served import start_serving, stop_serving, flourish_binary
import web_client
import check_browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = os.environ.get("FLOURISH_WORKFLOWS") or str(ROOT / "Workflows")
TEMPLATE = ROOT / "ops" / "nginx" / "flourish.conf"
UNIT = ROOT / "ops" / "systemd" / "flourish.service"
LITESTREAM_UNIT = ROOT / "ops" / "systemd" / "flourish-litestream.service"
WATCHDOG = 150  # seconds once the tools are installed; a normal run takes about 10
PASSWORD = web_client.PASSWORD  # the demo accounts' password
PROXY = "127.0.0.1"  # nginx reaches Flourish from here: the unit's --trusted-proxy
CLIENT = "127.0.0.5"  # the visitor whose connections come through nginx
NEIGHBOUR = "127.0.0.6"  # another visitor, at the same time
FORGED = "10.9.9.9"  # an X-Forwarded-For a client makes up (a header value only: nothing is sent there)
SERVER_NAME = "localhost"
THROTTLED = "Too many failed sign-ins from here"
PLEDGE_TEXT = "Open our bakery kitchen on Saturday mornings for children to learn to bake bread, with a family session each month."
PLEDGE_LABEL = "What new thing will your organisation do for children and young people this year?"
TEMPLATE_NAMES = ["SERVER_NAME", "HTTPS_LISTEN", "HTTP_LISTEN", "FLOURISH_PORT", "TLS_CERTIFICATE", "TLS_CERTIFICATE_KEY"]
# Keys an access-log line might name the client under; the first present is used.
CLIENT_KEYS = ("client", "clientAddress", "client_address", "address", "remoteAddress", "remote", "ip", "peer", "from")


# MARK: - Results

class Results:
    def __init__(self):
        self.passed, self.failed, self.failures = 0, 0, []
        self.lock = threading.Lock()

    def check(self, name, ok, evidence):
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1
                self.failures.append(name)
            print(f"{'PASS' if ok else 'FAIL'} {name}: {evidence}", flush=True)
        return ok


def examples(items, n=3):
    items = list(items)
    return "; ".join(items[:n]) + (f"; and {len(items) - n} more" if len(items) > n else "")


# MARK: - Tools

def tool(name):
    """The path of a command, looking in /usr/sbin too (nginx is there, off a user's PATH)."""
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.access(p, os.X_OK)), None)


def need_debian(*pairs):
    """apt-get installs each (command, package) whose command is missing, as check_browser does."""
    missing = [package for command, package in pairs if not tool(command)]
    if not missing:
        return
    apt = ([] if os.geteuid() == 0 else ["sudo"]) + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    print(f"installing {' '.join(missing)}", flush=True)
    subprocess.run(apt + ["update", "-qq"], check=True, stdout=subprocess.DEVNULL, timeout=600)
    subprocess.run(apt + ["install", "-y", "-qq"] + missing, check=True, stdout=subprocess.DEVNULL, timeout=1200)


def free_port():
    with socket.socket() as s:
        s.bind((PROXY, 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection((PROXY, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


# MARK: - The systemd units

def read_unit(path):
    """A unit file as {section: [(key, value), ...]} (keys may repeat, as Environment= does)."""
    sections, current = {}, None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif "=" in line and current is not None:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def values(unit, section, key):
    return [v for k, v in unit.get(section, []) if k == key]


def environment(unit):
    """The unit's Environment= assignments as a dict."""
    env = {}
    for line in values(unit, "Service", "Environment"):
        for word in shlex.split(line):
            name, _, value = word.partition("=")
            env[name] = value
    return env


def check_units(results, binary):
    """The keys both units must have, the serve options documented, and systemd-analyze verify."""
    if not UNIT.exists() or not LITESTREAM_UNIT.exists():
        results.check("units present", False, f"{UNIT.relative_to(ROOT)} or {LITESTREAM_UNIT.relative_to(ROOT)} is missing")
        return None
    unit, litestream = read_unit(UNIT), read_unit(LITESTREAM_UNIT)
    env = environment(unit)
    exec_start = " ".join(values(unit, "Service", "ExecStart"))
    wanted = [("Service", "DynamicUser", "yes"), ("Service", "ProtectSystem", "strict"), ("Service", "StateDirectory", "flourish"),
              ("Service", "WorkingDirectory", "/var/lib/flourish"), ("Service", "Restart", "on-failure"), ("Service", "NoNewPrivileges", "yes"),
              ("Service", "PrivateTmp", "yes"), ("Service", "ProtectHome", "yes"), ("Install", "WantedBy", "multi-user.target")]
    missing = [f"{k}={v}" for s, k, v in wanted if v not in values(unit, s, k)]
    for name, value in [("FLOURISH_DB", "/var/lib/flourish/flourish.sqlite"), ("FLOURISH_REPLICATED", "1")]:
        if env.get(name) != value:
            missing.append(f"Environment={name}={value} (it has {env.get(name)!r})")
    expected_exec = "/usr/local/bin/flourish serve --host 127.0.0.1 --port 8080 --secure-cookies --trusted-proxy 127.0.0.1"
    if exec_start != expected_exec:
        missing.append(f"ExecStart={expected_exec} (it has {exec_start!r})")
    results.check("units: flourish.service has the deployment's keys", not missing,
                  f"missing or different: {examples(missing, 5)}" if missing else
                  f"DynamicUser=yes, ProtectSystem=strict, StateDirectory=flourish, FLOURISH_DB={env['FLOURISH_DB']}, FLOURISH_REPLICATED=1, "
                  f"ExecStart={exec_start}, Restart=on-failure, NoNewPrivileges, PrivateTmp, ProtectHome")

    ls_exec = " ".join(values(litestream, "Service", "ExecStart"))
    problems = []
    if not re.fullmatch(r"\S*/litestream replicate -config /etc/flourish/litestream\.yml", ls_exec):
        problems.append(f"ExecStart is {ls_exec!r}, not litestream replicate -config /etc/flourish/litestream.yml")
    for key in ["DynamicUser", "User", "StateDirectory"]:
        if values(litestream, "Service", key) != values(unit, "Service", key):
            problems.append(f"{key}= is {values(litestream, 'Service', key)} there but {values(unit, 'Service', key)} in flourish.service "
                            "(both must share the dynamic user to reach the database)")
    if not values(litestream, "Service", "Restart"):
        problems.append("no Restart=")
    results.check("units: flourish-litestream.service replicates with the same user", not problems,
                  examples(problems, 4) if problems else f"ExecStart={ls_exec}, User={values(unit, 'Service', 'User')} shared, "
                  f"StateDirectory={values(litestream, 'Service', 'StateDirectory')[0]}"
                  + ("" if (ROOT / "ops" / "litestream.yml").exists() else " (note: ops/litestream.yml is not there yet)"))

    # The options ExecStart gives `serve` must be ones it has.
    words = shlex.split(exec_start)
    options = [w for w in words[words.index("serve") + 1:] if w.startswith("--")] if "serve" in words else []
    helped = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    unknown = [o for o in options if not re.search(r"^\s*" + re.escape(o) + r"\b", helped, re.M)]
    results.check("units: the serve options in ExecStart are documented by `flourish serve --help`", bool(options) and not unknown,
                  f"undocumented: {unknown}" if unknown else f"{', '.join(options)} all listed")

    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("note: systemd-analyze is not installed (Debian's systemd); the units were checked by their keys only", flush=True)
    else:
        root = tempfile.mkdtemp(prefix="flourish-units-")
        try:
            for stand_in in ["usr/local/bin/flourish", "usr/bin/litestream"]:
                path = pathlib.Path(root, stand_in)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("#!/bin/sh\n")
                path.chmod(0o755)
            system = pathlib.Path("/usr/lib/systemd/system")
            if system.is_dir():  # the targets the units name (multi-user, network...)
                shutil.copytree(system, pathlib.Path(root, "usr/lib/systemd/system"), symlinks=True)
            units_dir = pathlib.Path(root, "etc/systemd/system")
            units_dir.mkdir(parents=True)
            for u in [UNIT, LITESTREAM_UNIT]:
                shutil.copy(u, units_dir / u.name)
            r = subprocess.run([analyze, "verify", "--man=no", f"--root={root}", str(units_dir / UNIT.name), str(units_dir / LITESTREAM_UNIT.name)],
                               capture_output=True, text=True, timeout=60)
            said = [l.replace(root, "") for l in (r.stdout + r.stderr).splitlines() if l.strip()]
            results.check("units: systemd-analyze verify finds nothing", r.returncode == 0 and not said,
                          f"exit {r.returncode}: {examples(said, 4)}" if (r.returncode or said) else
                          f"{subprocess.run([analyze, '--version'], capture_output=True, text=True).stdout.splitlines()[0]}: no warnings for either unit")
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return unit


def serve_command(unit, binary, db):
    """`flourish serve` with the unit's ExecStart options (its --port made 0) and its Environment=,
    on a demo database here. Returns (command, the environment variables to set)."""
    words = shlex.split(" ".join(values(unit, "Service", "ExecStart")))
    options = words[words.index("serve") + 1:] if "serve" in words else ["--host", PROXY, "--secure-cookies", "--trusted-proxy", PROXY]
    if "--port" in options:
        options[options.index("--port") + 1] = "0"
    else:
        options += ["--port", "0"]
    env = {k: v for k, v in environment(unit).items() if k not in ("FLOURISH_DB", "FLOURISH_WORKFLOWS")}  # --db and --workflows say
    env["FLOURISH_SITE_URL"] = f"https://{SERVER_NAME}"
    return [binary, "--db", db, "--workflows", WORKFLOWS, "serve", "--demo", "--tick-every", "0"] + options, env


# MARK: - The certificate and nginx

def make_certificate(work):
    """A self-signed certificate for localhost and 127.0.0.1; returns (cert, key, spki), spki
    being the base64 SHA-256 of its public key, as Chromium's certificate pin takes it."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run([tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={SERVER_NAME}",
                    "-addext", f"subjectAltName=DNS:{SERVER_NAME},IP:{PROXY}"], check=True, capture_output=True, timeout=60)
    der = subprocess.run([tool("openssl"), "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True, capture_output=True, timeout=60).stdout
    return cert, key, base64.b64encode(hashlib.sha256(der).digest()).decode()


def check_template(results, text):
    """What an operator relies on in the template, read from it."""
    wanted = [("listens with TLS", r"^\s*listen\s+\$\{HTTPS_LISTEN\}\s+ssl\b"),
              ("proxies to 127.0.0.1", r"^\s*proxy_pass\s+http://127\.0\.0\.1:\$\{FLOURISH_PORT\};"),
              ("appends the client to X-Forwarded-For", r"^\s*proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;"),
              ("sends X-Forwarded-Proto https", r"^\s*proxy_set_header\s+X-Forwarded-Proto\s+https;"),
              ("passes Host", r"^\s*proxy_set_header\s+Host\s+\$host;"),
              ("limits bodies to 1m", r"^\s*client_max_body_size\s+1m;"),
              ("redirects plain HTTP to https://", r"^\s*return\s+301\s+https://")]
    missing = [what for what, pattern in wanted if not re.search(pattern, text, re.M)]
    unknown = sorted(set(re.findall(r"\$\{(\w+)\}", text)) - set(TEMPLATE_NAMES))
    results.check("template: ops/nginx/flourish.conf has the directives a deployment needs", not missing and not unknown,
                  f"missing: {missing}; placeholders not documented here: {unknown}" if missing or unknown else
                  f"{', '.join(w for w, _ in wanted)}; placeholders {', '.join('${' + n + '}' for n in TEMPLATE_NAMES)}")


def render(text, names):
    """The template with its ${NAME}s filled in, as `envsubst '${NAME} ...'` would."""
    for name, value in names.items():
        text = text.replace("${" + name + "}", value)
    return text


class Nginx:
    """nginx running the rendered template, in the foreground, everything under `folder`."""

    def __init__(self, folder, site):
        self.folder, self.proc = folder, None
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "flourish.conf"), "w") as f:
            f.write(site)
        # As root, the workers would change to nobody, who cannot enter this private folder: they
        # run as the current user (nginx ignores `user` when it is not root, so it is left out).
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n" if os.geteuid() == 0 else ""
        temp = "".join(f"    {kind}_temp_path {folder}/{kind};\n" for kind in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
        self.conf = os.path.join(folder, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
events {{ worker_connections 256; }}
http {{
    log_format forwarded '$remote_addr "$http_x_forwarded_for" "$request" $status';
    access_log {folder}/access.log forwarded;
{temp}    include {folder}/flourish.conf;
}}
""")
        self.command = [tool("nginx"), "-p", folder + "/", "-c", self.conf, "-e", os.path.join(folder, "error.log")]

    def test(self):
        r = subprocess.run(self.command + ["-t"], capture_output=True, text=True, timeout=30)
        return r.returncode, (r.stdout + r.stderr).strip()

    def start(self):
        self.out = open(os.path.join(self.folder, "nginx.out"), "w")
        self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=self.out, stderr=subprocess.STDOUT)

    def error_log(self):
        try:
            return pathlib.Path(self.folder, "error.log").read_text().strip().splitlines()[-5:]
        except OSError:
            return []

    def access_log(self):
        try:
            return pathlib.Path(self.folder, "access.log").read_text().splitlines()
        except OSError:
            return []

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # graceful: the master stops its workers
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


# MARK: - A visitor over TLS

class Visitor:
    """Someone whose connections come from `source` (a loopback address), reaching the site
    through nginx over TLS with a context that trusts only the test certificate: a cookie jar,
    the last page's CSRF token, and every answer kept with its headers."""

    def __init__(self, port, context, source, answers):
        self.port, self.context, self.source, self.answers = port, context, source, answers
        self.cookies, self.csrf, self.tls = {}, None, None

    def request(self, method, target, form=None, headers=None):
        h = dict(headers or {})
        body = None
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPSConnection(PROXY, self.port, timeout=20, context=self.context, source_address=(self.source, 0))
        try:
            conn.request(method, target, body=body, headers=h)
            self.tls = conn.sock.version()
            r = conn.getresponse()
            answer = web_client.Answer(method, target, r.status, r.getheaders(), r.read())
        except (OSError, http.client.HTTPException) as e:  # ssl.SSLError is an OSError
            answer = web_client.Answer(method, target, 0, [], f"{type(e).__name__}: {e}".encode())
        finally:
            conn.close()
        self.answers.append(answer)
        for name, value in answer.headers:
            if name.lower() == "set-cookie":
                key, _, val = value.split(";", 1)[0].partition("=")
                if re.search(r";\s*max-age=0\b", value, re.I):
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = val.strip()
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    def get(self, target, headers=None):
        return self.request("GET", target, headers=headers)

    def sign_in(self, person, password, headers=None, next_page="/"):
        """POSTs the sign-in form (fetching the page first when no CSRF token is held yet)."""
        if self.csrf is None:
            self.get("/sign-in")
        return self.request("POST", "/sign-in", form=[("csrf", self.csrf or ""), ("person", person), ("password", password), ("next", next_page)],
                            headers=headers)

    def session(self):
        return next((k for k in self.cookies if k.endswith("flourish_session")), None)


def cookie_problems(set_cookie):
    """What is wrong with one Set-Cookie value for a site served over HTTPS: [] when nothing."""
    name = set_cookie.split("=", 1)[0].strip()
    attributes = [a.strip().lower() for a in set_cookie.split(";")[1:]]
    problems = []
    if not name.startswith("__Host-"):
        problems.append("no __Host- prefix")
    for flag in ["secure", "httponly"]:
        if flag not in attributes:
            problems.append(f"not {flag}")
    if "path=/" not in attributes:
        problems.append("not Path=/")
    if any(a.startswith("domain=") for a in attributes):
        problems.append("has a Domain")
    return [f"{name}: {p}" for p in problems]


# MARK: - Flourish's access log

class AccessLog:
    """Flourish's JSON access-log lines (stderr), read as they arrive."""

    def __init__(self, stderr, lock):
        self.stderr, self.lock = stderr, lock

    def lines(self):
        with self.lock:
            raw = list(self.stderr)
        out = []
        for line in raw:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and {"method", "path", "status"} <= entry.keys():
                out.append(entry)
        return out

    def mark(self):
        return len(self.lines())

    def since(self, mark, count, timeout=5):
        """The access lines after `mark`, waiting until there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            new = self.lines()[mark:]
            if len(new) >= count or time.monotonic() > deadline:
                return new
            time.sleep(0.05)


def logged_client(entry):
    return next((str(entry[k]) for k in CLIENT_KEYS if k in entry), None)


def check_logged_clients(results, name, entries, expected, count, absent=None):
    """Every one of `entries` (`count` wanted) names `expected` as the client."""
    shown = [f"{e['method']} {e['path']} {e['status']} client {logged_client(e)}" for e in entries]
    if len(entries) < count:
        return results.check(name, False, f"{len(entries)} access-log lines for {count} requests: {examples(shown, 4)}")
    without = [e for e in entries if logged_client(e) is None]
    if without:
        return results.check(name, False, f"the access-log lines name no client address at all (no {'/'.join(CLIENT_KEYS[:3])} field), "
                                          f"so nothing says who sent the {count} request{'s' if count != 1 else ''} from {expected}: {json.dumps(without[0], separators=(',', ':'))}")
    wrong = [s for e, s in zip(entries, shown) if logged_client(e) != expected]
    forged = [s for e, s in zip(entries, shown) if absent and absent in (logged_client(e) or "")]
    return results.check(name, not wrong and not forged,
                         f"expected client {expected}: {examples(wrong or forged, 4)}" if wrong or forged else f"all {len(entries)} lines: {examples(shown, 3)}")


# MARK: - The checks over HTTPS

def check_https(results, base_port, http_port, upstream_port, context, log, nginx):
    answers = []
    visitor = Visitor(base_port, context, CLIENT, answers)

    # Signing in and out, and what a signed-out visitor is sent to, all from 127.0.0.5.
    mark = log.mark()
    home = visitor.get("/")
    results.check("https: GET / answers 200 over TLS with Strict-Transport-Security", home.status == 200 and bool(home.header("Strict-Transport-Security")),
                  f"{home} over {visitor.tls}, certificate verified against the test's own; Strict-Transport-Security: {home.header('Strict-Transport-Security')!r}")
    page = visitor.get("/sign-in")
    signed = visitor.sign_in("contact-1", PASSWORD, next_page="/organisation")
    session = visitor.session()
    mine = visitor.get("/organisation")
    results.check("https: contact-1 signs in and the session cookie works through the proxy",
                  page.status == 200 and signed.status == 303 and bool(session) and mine.status == 200 and "My organisation" in mine.text,
                  f"{page}; {signed} to {signed.header('Location')!r} setting {session!r}; {mine} ({'shows' if 'My organisation' in mine.text else 'does not show'} My organisation)")
    out = visitor.request("POST", "/sign-out", form=[("csrf", visitor.csrf or "")])
    after = visitor.get("/organisation")  # the cookie is gone: asked to sign in
    gated = visitor.get("/dashboard")
    results.check("https: signing out ends the session", out.status == 303 and visitor.session() is None and after.status != 200,
                  f"{out} to {out.header('Location')!r}, cookie jar {sorted(visitor.cookies)}; then {after} to {after.header('Location')!r}; {gated} to {gated.header('Location')!r}")
    requests_made = len(answers)
    entries = log.since(mark, requests_made)

    # The body limit: nginx refuses over 1 MB before Flourish sees it; under it passes through.
    big = http.client.HTTPSConnection(PROXY, base_port, timeout=20, context=context, source_address=(CLIENT, 0))
    try:
        big.putrequest("POST", "/sign-in")
        big.putheader("Content-Type", "application/x-www-form-urlencoded")
        big.putheader("Content-Length", str(2 * 1024 * 1024))
        big.endheaders()
        r = big.getresponse()
        over = (r.status, r.getheader("Server"))
        r.read()
    except (OSError, http.client.HTTPException) as e:
        over = (0, f"{type(e).__name__}: {e}")
    finally:
        big.close()
    before = log.mark()
    under = visitor.request("POST", "/sign-in", form=[("csrf", visitor.csrf or ""), ("person", "x"), ("password", "p" * (900 * 1024))])
    log.since(before, 1)
    results.check("https: nginx refuses a body over 1 MB (413) and passes one under it to Flourish",
                  over[0] == 413 and under.status not in (0, 413) and under.header("Content-Security-Policy") is not None,
                  f"2 MiB: {over[0]} from {over[1]}; 900 KiB: {under.status} from {'Flourish' if under.header('Content-Security-Policy') else 'nginx'}")

    # A client making up X-Forwarded-For through nginx, and straight to Flourish.
    mark_forged = log.mark()
    forged = visitor.get("/sign-in", headers={"X-Forwarded-For": FORGED})
    forged_entries = log.since(mark_forged, 1)
    mark_direct = log.mark()
    direct = web_client.Client(upstream_port, source=CLIENT).get("/sign-in", headers={"X-Forwarded-For": FORGED})
    direct_entries = log.since(mark_direct, 1)
    nginx_saw = [l for l in nginx.access_log() if FORGED in l][-1:]

    # Plain HTTP on nginx's other port: a redirect to https://, path and query kept.
    target = "/pledges?area=learning&q=bread"
    plain = http.client.HTTPConnection(PROXY, http_port, timeout=10, source_address=(CLIENT, 0))
    try:
        plain.request("GET", target)
        r = plain.getresponse()
        redirect = (r.status, r.getheader("Location"))
        r.read()
    except (OSError, http.client.HTTPException) as e:
        redirect = (0, f"{type(e).__name__}: {e}")
    finally:
        plain.close()
    results.check("http: nginx's plain-HTTP port redirects to https://, keeping the path and query",
                  redirect[0] in (301, 308) and redirect[1] == f"https://{SERVER_NAME}{target}", f"GET http://{PROXY}:{http_port}{target} -> {redirect[0]} Location {redirect[1]!r}")

    # Throttling by the real client's address.
    throttle_answers = check_throttling(results, base_port, context, answers)

    # Over everything Flourish answered through TLS in this part:
    flourish = [a for a in answers if a.header("Content-Security-Policy") is not None]
    no_hsts = [str(a) for a in flourish if not a.header("Strict-Transport-Security")]
    results.check("https: every answer from Flourish carries Strict-Transport-Security", bool(flourish) and not no_hsts,
                  f"without it: {examples(no_hsts)}" if no_hsts else f"{len(flourish)} answers, e.g. {flourish[0].header('Strict-Transport-Security')!r}")
    cookies = [v for a in answers for n, v in a.headers if n.lower() == "set-cookie"]
    bad = [p for c in cookies for p in cookie_problems(c)]
    names = sorted({c.split("=", 1)[0] for c in cookies})
    results.check("https: every cookie is __Host-, Secure, HttpOnly, Path=/, with no Domain", bool(cookies) and not bad,
                  f"{examples(bad, 5)}" if bad else f"{len(cookies)} Set-Cookie headers ({', '.join(names)}), e.g. {cookies[0].split('=', 1)[0]}=…; "
                  f"{'; '.join(a.strip() for a in cookies[0].split(';')[1:])}")
    locations = [(str(a), a.header("Location")) for a in answers if 300 <= a.status < 400]
    insecure = [f"{s} -> {loc!r}" for s, loc in locations if not loc or loc.lower().startswith("http:") or
                (not loc.startswith("https://") and not (loc.startswith("/") and not loc.startswith("//")))]
    results.check("https: every redirect's Location is relative or https://, never http://", bool(locations) and not insecure,
                  f"{examples(insecure)}" if insecure else f"{len(locations)} redirects: {examples(sorted({loc for _, loc in locations}), 5)}")
    broken = [repr(a) for a in answers if a.status == 0 or a.status >= 500]
    results.check("https: no request failed at TLS or with a 5xx", not broken, examples(broken) if broken else f"{len(answers)} requests, TLS {visitor.tls}")

    # Who the server thinks the client is.
    check_logged_clients(results, f"client: Flourish's access log names {CLIENT}, not the proxy {PROXY}, for the requests through nginx", entries, CLIENT, requests_made)
    check_logged_clients(results, f"client: a made-up X-Forwarded-For: {FORGED} through nginx is logged as {CLIENT}", forged_entries, CLIENT, 1, absent=FORGED)
    print(f"      nginx logged it as: {nginx_saw[0] if nginx_saw else '(nothing)'} ({forged}); straight to Flourish: {direct}", flush=True)
    check_logged_clients(results, f"client: X-Forwarded-For: {FORGED} straight to Flourish (not a trusted proxy) is ignored", direct_entries, CLIENT, 1, absent=FORGED)
    return throttle_answers


def check_throttling(results, port, context, answers):
    """Failed sign-ins from 127.0.0.5 hold up 127.0.0.5 only, whatever X-Forwarded-For it sends."""
    attacker = Visitor(port, context, CLIENT, answers)
    neighbour = Visitor(port, context, NEIGHBOUR, answers)
    neighbour.get("/sign-in")
    attacker.get("/sign-in")
    # Three wrong passwords for erin are free; the 4th try from the same address must wait. The
    # tries that follow come within the first wait (5 s), with erin's right password.
    failures = [attacker.sign_in("erin", "not erin's password") for _ in range(3)]
    forged = attacker.sign_in("erin", PASSWORD, headers={"X-Forwarded-For": FORGED})
    posing = attacker.sign_in("erin", PASSWORD, headers={"X-Forwarded-For": NEIGHBOUR})
    fourth = attacker.sign_in("erin", PASSWORD)
    elsewhere = neighbour.sign_in("erin", PASSWORD)
    held = lambda a: a.status == 429 and THROTTLED in a.text
    results.check(f"throttle: after 3 wrong passwords for erin from {CLIENT}, its next try waits (429)",
                  [a.status for a in failures] == [422] * 3 and held(fourth),
                  f"{[a.status for a in failures]} then {fourth.status} {'saying ' + repr(THROTTLED) if THROTTLED in fourth.text else 'without ' + repr(THROTTLED)}")
    results.check(f"throttle: {CLIENT} is still held up when it sends X-Forwarded-For: {FORGED} or {NEIGHBOUR} (with erin's right password)",
                  held(forged) and held(posing) and forged.header("Set-Cookie") is None and posing.header("Set-Cookie") is None,
                  f"X-Forwarded-For {FORGED}: {forged.status}; X-Forwarded-For {NEIGHBOUR}: {posing.status}"
                  + ("" if held(forged) and held(posing) else " (a made-up header chose the address the throttle counts)"))
    results.check(f"throttle: erin signs in at once from {NEIGHBOUR} meanwhile", elsewhere.status == 303 and neighbour.session() is not None,
                  f"{elsewhere} to {elsewhere.header('Location')!r} setting {neighbour.session()!r}"
                  + ("" if elsewhere.status == 303 else " (held up by another address's failures: does the server see the proxy's address for everyone?)"))

    # The per-address ceiling: 20 failures in all from one address, across accounts.
    tried, name, n = 3, None, 0
    refused_early = []
    while tried < 20:
        n += 1
        name = f"ghost-{n}"
        for _ in range(min(3, 20 - tried)):
            a = attacker.sign_in(name, "wrong password here")
            tried += 1
            if a.status != 422:
                refused_early.append(f"try {tried} for {name}: {a.status}")
    ceiling = attacker.sign_in("ghost-last", "wrong password here")
    # From the neighbour, in browsers of their own (the one above is signed in as erin).
    other_fail = Visitor(port, context, NEIGHBOUR, answers).sign_in("ghost-last", "wrong password here")
    neighbour_in = Visitor(port, context, NEIGHBOUR, answers).sign_in("sam", PASSWORD)
    results.check(f"throttle: after 20 failures from {CLIENT} for {n + 1} user names, its next try for a new name is 429",
                  not refused_early and held(ceiling), f"{examples(refused_early) + '; ' if refused_early else '17 more failures answered 422; '}"
                  f"then ghost-last: {ceiling.status}{' ' + repr(THROTTLED) if THROTTLED in ceiling.text else ''}")
    results.check(f"throttle: the ceiling holds up {CLIENT} only: from {NEIGHBOUR} a wrong password is 422 and sam signs in",
                  other_fail.status == 422 and neighbour_in.status == 303,
                  f"{NEIGHBOUR}: ghost-last {other_fail.status}, sam {neighbour_in.status} to {neighbour_in.header('Location')!r}")


# MARK: - The browser

class HttpsBrowser(check_browser.Browser):
    """check_browser's Browser at https://, trusting the test certificate alone: Chromium's
    --ignore-certificate-errors-spki-list pins its public key, so any other certificate would
    still be refused. Each page is checked for being https:// and answered without error; the
    accessibility, screenshot and markup checks are check_browser's, over plain HTTP."""

    def __init__(self, base, spki, cli):
        from selenium import webdriver
        plain = webdriver.ChromeOptions

        class PinnedOptions(plain):
            def __init__(self):
                super().__init__()
                self.add_argument(f"--ignore-certificate-errors-spki-list={spki}")

        webdriver.ChromeOptions = PinnedOptions  # Browser.__init__ makes its options from this name
        try:
            super().__init__(base, None, None, cli)
        finally:
            webdriver.ChromeOptions = plain
        self.visited = []  # (slug, url, status, protocol)

    def loaded(self, slug):
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", "the page to load")
        self.counter += 1
        status, _ = self.response()
        url = self.driver.current_url
        protocol = self.js("var n = performance.getEntriesByType('navigation')[0]; return n ? n.nextHopProtocol : '';")
        self.visited.append((slug, url, status, protocol))
        print(f"      {self.counter:02d} {slug:<22} {status} {url} ({protocol})", flush=True)
        if not url.startswith("https://"):
            self.fail(f"the browser is at {url}, not https://")
        if status is None or status >= 400:
            self.fail(f"the server answered {status}")


def check_browser_journey(results, base, spki, cli):
    try:
        b = HttpsBrowser(base, spki, cli)
    except Exception as e:
        results.check("browser: headless Chromium starts", False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return None
    b.journey = "https"

    def sign_in():
        b.open("/", "home")
        b.sign_in("contact-1")  # types into /sign-in's form, presses Sign in, expects "You are signed in."
        b.expect(b.signed_in_as() is not None, "after signing in, the header offers no Sign out")
        return f"{b.driver.current_url}, flash {b.flash()!r}, header 'Sign out {b.signed_in_as()}'"

    def pledge():
        b.link("My organisation", "my-organisation", scope="header")
        b.expect_heading("My organisation")
        b.link("Make a pledge", "pledge-new")
        b.expect_heading("Make a pledge")
        b.type(PLEDGE_LABEL, "text", PLEDGE_TEXT)
        b.tick("Learning", "areas")
        b.button("Save and submit", "pledge-submitted")
        b.expect_flash("Your pledge is submitted.")
        b.expect(re.fullmatch(r"/pledges/[^/]+", b.path()), f"submitting lands on {b.path()}")
        b.expect_text(PLEDGE_TEXT)
        jar = b.driver.get_cookies()
        bad = [c["name"] for c in jar if not (c["name"].startswith("__Host-") and c.get("secure") and c.get("httpOnly"))]
        b.expect(jar and not bad, f"the browser holds cookies that are not __Host-, Secure and HttpOnly: {bad or 'none at all'}")
        return f"{b.driver.current_url}, flash {b.flash()!r}; cookies {', '.join(sorted(c['name'] for c in jar))} all Secure, HttpOnly"

    def sign_out():
        b.sign_out()  # presses Sign out, expects "You are signed out."
        b.expect(b.signed_in_as() is None, f"still signed in as {b.signed_in_as()} after signing out")
        return f"{b.driver.current_url}, flash {b.flash()!r}"

    try:
        for name, step in [("browser: contact-1 signs in over https://", sign_in), ("browser: makes a pledge and sees it submitted", pledge),
                           ("browser: signs out", sign_out)]:
            before = len(b.failures)
            try:
                said = step()
                problems = [m for _, m in b.failures[before:]]
                results.check(name, not problems, examples(problems) if problems else said)
            except check_browser.Failed as e:
                results.check(name, False, f"{e} (at {b.driver.current_url})")
                break
            except Exception as e:  # a Selenium error
                results.check(name, False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} (at {b.driver.current_url})")
                break
        wrong = [f"{slug} {url} ({status})" for slug, url, status, _ in b.visited
                 if not url.startswith("https://") or status is None or status >= 400]
        results.check("browser: every page it was on was https:// and answered without error", bool(b.visited) and not wrong,
                      examples(wrong) if wrong else f"{len(b.visited)} pages, over {', '.join(sorted({p for *_, p in b.visited if p}) or ['?'])}")
    finally:
        b.quit()
    return b


# MARK: - Main

def main():
    need_debian(("nginx", "nginx"), ("openssl", "openssl"))
    check_browser.install_tools()
    binary = flourish_binary("https proxy")
    results = Results()
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="flourish-https-")
    stdout, stderr, lock = [], [], threading.Lock()
    running = {}  # "server" and "nginx", for the watchdog

    def watchdog():
        print(f"FAIL watchdog: the run took more than {WATCHDOG} s; stopping", flush=True)
        stop_serving(running.get("server"))
        if running.get("nginx") is not None and running["nginx"].proc is not None:
            running["nginx"].proc.kill()
        os._exit(1)

    timer = threading.Timer(WATCHDOG, watchdog)
    timer.daemon = True
    timer.start()
    try:
        run(results, binary, work, stdout, stderr, lock, running)
    finally:
        timer.cancel()
        if running.get("nginx") is not None:
            running["nginx"].stop()
        stop_serving(running.get("server"))
        if os.environ.get("HTTPS_KEEP"):
            with lock:
                pathlib.Path(work, "flourish.stderr").write_text("\n".join(stderr))
            print(f"https proxy: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"https proxy: {results.passed} passed, {results.failed} failed in {time.monotonic() - started:.1f} s")
    if results.failures:
        print("failed: " + "; ".join(results.failures))
    return 1 if results.failed or not results.passed else 0


def run(results, binary, work, stdout, stderr, lock, running):
    unit = check_units(results, binary)
    template = TEMPLATE.read_text() if TEMPLATE.exists() else ""
    check_template(results, template)
    if unit is None or not template:
        results.check("configuration present", False, "no unit or no template: nothing to serve")
        return
    cert, key, spki = make_certificate(work)
    command, env = serve_command(unit, binary, os.path.join(work, "flourish.sqlite"))
    print(f"https proxy: {' '.join(command[command.index('serve'):])} with {' '.join(f'{k}={v}' for k, v in sorted(env.items()))}", flush=True)
    os.environ.update(env)  # start_serving starts the server with this process's environment
    server, upstream = start_serving(command, stdout, stderr, "https proxy", lock=lock, timeout=60, cwd=str(ROOT))
    running["server"] = server
    https_port, http_port = free_port(), free_port()
    while http_port == https_port:
        http_port = free_port()
    site = render(template, {"SERVER_NAME": SERVER_NAME, "HTTPS_LISTEN": f"{PROXY}:{https_port}", "HTTP_LISTEN": f"{PROXY}:{http_port}",
                             "FLOURISH_PORT": str(upstream), "TLS_CERTIFICATE": cert, "TLS_CERTIFICATE_KEY": key})
    nginx = running["nginx"] = Nginx(os.path.join(work, "nginx"), site)
    code, said = nginx.test()
    left = re.findall(r"\$\{\w+\}", site)
    version = subprocess.run([tool("nginx"), "-v"], capture_output=True, text=True).stderr.strip()
    results.check("template: the rendered site passes `nginx -t`", code == 0 and not left,
                  f"exit {code}: {said[-400:]}" if code else (f"placeholders left: {left}" if left else
                  f"{version}: https on {PROXY}:{https_port}, http on {PROXY}:{http_port}, to Flourish on {PROXY}:{upstream}"))
    if code != 0:
        return
    nginx.start()
    if not (wait_for_port(https_port, nginx.proc) and wait_for_port(http_port, nginx.proc)):
        results.check("nginx starts", False, f"exit {nginx.proc.poll()}; error log: {examples(nginx.error_log(), 5)}")
        return
    context = ssl.create_default_context(cafile=cert)  # trusts the test certificate alone, and checks the name 127.0.0.1
    log = AccessLog(stderr, lock)
    check_https(results, https_port, http_port, upstream, context, log, nginx)
    print("https proxy: the browser journey", flush=True)
    cli = [binary, "--db", os.path.join(work, "flourish.sqlite"), "--workflows", WORKFLOWS]
    check_browser_journey(results, f"https://{PROXY}:{https_port}", spki, cli)
    with lock:
        trouble = [l for l in stderr if re.search(r'"status"\s*:\s*5\d\d', l) or re.search(r'"level"\s*:\s*"error"', l)]
    results.check("server: no 5xx and no error in Flourish's log", not trouble, examples(trouble) if trouble else f"{len(log.lines())} access-log lines")


if __name__ == "__main__":
    sys.exit(main())
