#!/usr/bin/env python3
"""Abuse test: what one hostile client can do to `flourish serve` without breaking in.

Starts `flourish serve --demo --port 0 --tick-every 0` on a fresh database in a temporary
folder (the defaults otherwise: 512 connections, 64 per client address) and checks that
each defence holds; every check fails on a server that lacks its defence:

  1. Sign-in lock-out. From 127.0.0.1, five wrong passwords for sam, each with a different
     spoofed X-Forwarded-For (no --trusted-proxy, so it must be ignored): the first three are
     refused 422, the 4th and 5th 429 "Too many failed sign-ins from here". sam's right
     password from 127.0.0.2 then signs in at once (303 and a flourish_session cookie): the
     failures slow their address, not the account. 25 failures for random user names from
     127.0.0.3 end in 429 there, even for sam's right password, while 127.0.0.4 signs sam in.
     A second server with --trusted-proxy 127.0.0.1: four failures for sam from the proxy for
     X-Forwarded-For 203.0.113.5, the 4th 429, while 203.0.113.6 signs sam in.
  2. Connection-cap exhaustion (515 idle TCP connections from one client used to take the
     whole cap of 512: no ordinary request was answered). 515 silent connections from
     127.0.0.1: those past 64 are answered 503; 75 GET /healthz from 127.0.0.2, one connection
     each, are all answered 200 within a few seconds in total.
  3. CSV injection. Organisations named =HYPERLINK("http://evil.example","click"), +..., -...
     and @... (registered with `flourish org register`, each with a pledge created, submitted
     by its contact and approved by sam on the CLI, one pledge's text itself a formula):
     /open-data/pledges.csv and `flourish export pledges --format csv`, read with Python's
     csv module, hold no cell beginning with = + - @ tab or CR (plain numbers such as -3
     aside) but with an apostrophe first, and each name appears as '=HYPERLINK(...).
  4. Registration flooding. 20 registrations at POST /register from 127.0.0.1 (distinct names,
     user names and emails): the first 5 answered 200 "Check your email" (h1) without a
     session cookie, the rest 429 "Too many registrations"; `flourish org list` shows none of
     them; the outbox holds exactly 5 new "Confirm your email address" messages, each with a
     link http://.../register/confirm?token=...; that link shows a confirm button (a form
     posting the token and csrf to /register/confirm); posting it signs the contact in (303 to
     /organisation, a session cookie) and the organisation is listed; posting the same token
     again is refused with a 4xx page saying the link was used or has expired. Five
     registrations with one email address from 127.0.0.5-9: 3 "Check your email", then 429.

Linux routes all of 127.0.0.0/8 to the loopback, so client sockets bound to 127.0.0.2 and so
on are other client addresses to the server. Prints one line per check (with its time) and
`abuse: N passed, M failed`; exits 0 when all pass, 1 otherwise. Every wait is bounded, a
watchdog stops the servers after WATCHDOG seconds, and both servers are always stopped.
Installs nothing (the standard library only). Uses FLOURISH_BIN when set, else
.build/debug/flourish; ABUSE_KEEP=1 keeps the temporary folder (databases, server output).
"""
import csv, html, http.client, io, json, os, pathlib, re, resource, secrets, selectors, shutil, socket, subprocess, sys, tempfile, threading, time
from served import start_serving, stop_serving, flourish_binary
import web_client
from web_client import HOST, PASSWORD

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = os.environ.get("FLOURISH_WORKFLOWS") or str(ROOT / "Workflows")
WATCHDOG = 120  # seconds; a normal run takes about 15
STARTED = time.monotonic()
NONCE = secrets.token_hex(3)
THROTTLED = "Too many failed sign-ins from here"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
NEW_PASSWORD = "kites over cromer pier"


# MARK: - Results

class Results:
    """One line per check, with its own time and the time since the start; details under a failure."""

    def __init__(self):
        self.passed, self.failed = 0, 0

    def check(self, name, ok, summary="", details=(), since=None):
        took = f"{time.monotonic() - since:.1f}s, " if since is not None else ""
        when = f"[{took}at {time.monotonic() - STARTED:.0f}s]"
        if ok:
            self.passed += 1
            print(f"ok   {name}{': ' + summary if summary else ''}  {when}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + summary if summary else ''}  {when}", flush=True)
            details = list(details)
            for d in details[:20]:
                print(f"       - {d}", flush=True)
            if len(details) > 20:
                print(f"       ... and {len(details) - 20} more", flush=True)
        return ok


# MARK: - The servers

class Server:
    """One `flourish serve --demo` on its own fresh database in `work`; output drained by threads."""

    def __init__(self, binary, work, name, extra=()):
        self.db = os.path.join(work, f"{name}.sqlite")
        self.base = [binary, "--workflows", WORKFLOWS, "--db", self.db]
        self.extra, self.name = list(extra), name
        self.stdout, self.stderr = [], []
        self.lock = threading.Lock()
        self.port, self.proc = None, None

    def start(self):
        command = self.base + ["serve", "--demo", "--port", "0", "--tick-every", "0", *self.extra]
        self.proc, self.port = start_serving(command, self.stdout, self.stderr, f"abuse ({self.name})", lock=self.lock, timeout=60)

    def cli(self, *args, person=None, json_out=False, timeout=60):
        """Runs `flourish` on this server's database (WAL: beside the running server); (exit code, stdout, stderr)."""
        command = list(self.base) + (["--as", person] if person else []) + (["--json"] if json_out else []) + list(args)
        try:
            r = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return None, "", f"`flourish {' '.join(args)}` took more than {timeout}s"
        return r.returncode, r.stdout, r.stderr

    def cli_json(self, *args, person=None):
        code, out, err = self.cli(*args, person=person, json_out=True)
        if code != 0:
            raise RuntimeError(f"`flourish {' '.join(args)}` (as {person}) exited {code}: {err.strip()[-300:]}")
        return json.loads(out)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        stop_serving(self.proc)


class Client(web_client.Client):
    """web_client's browser-like client, from `source` (a loopback address) when given."""


def sign_in_form(client, person, password, forwarded_for=None):
    """GET /sign-in (cookie and csrf), then POST it as a browser would; X-Forwarded-For when given."""
    client.get("/sign-in")
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return client.request("POST", "/sign-in", form=[("csrf", client.csrf or ""), ("person", person), ("password", password), ("next", "/")],
                          headers=headers)


def session_set(answer):
    """Whether the answer sets a flourish_session cookie (under any prefix, such as __Host-)."""
    return any(n.lower() == "set-cookie" and re.match(r"\s*(__Host-)?flourish_session=[^;\s]", v) and "max-age=0" not in v.lower()
               for n, v in answer.headers)


def signed_in(answer):
    return answer.status == 303 and session_set(answer)


def brief(answer):
    """`POST /sign-in -> 429 "first error or h1"`."""
    found = re.search(r'class="govuk-error-summary__list".*?<a [^>]*>(.*?)</a>', answer.text, re.S) or re.search(r"<h1[^>]*>(.*?)</h1>", answer.text, re.S)
    said = html.unescape(re.sub(r"<[^>]+>|\s+", " ", found.group(1))).strip() if found else answer.text[:80]
    return f"{answer.method} {answer.target[:60]} -> {answer.status} {said[:100]!r}"


# MARK: - 1. Sign-in lock-out

def check_lockout(results, server, second):
    # a. Spoofed X-Forwarded-For from an untrusted client: ignored, the address is 127.0.0.1.
    since = time.monotonic()
    client = Client(server.port, source="127.0.0.1")
    answers = [sign_in_form(client, "sam", f"wrong password {i}", forwarded_for=f"198.51.100.{10 + i}") for i in range(5)]
    expected = [422, 422, 422, 429, 429]
    got = [a.status for a in answers]
    ok = got == expected and all(THROTTLED in a.text for a in answers[3:]) and not any(session_set(a) for a in answers)
    results.check("1a five wrong passwords for sam from 127.0.0.1, each with another spoofed X-Forwarded-For: the 4th and 5th 429", ok,
                  f"statuses {got}; the 4th says {THROTTLED!r}" if ok else f"expected {expected} with {THROTTLED!r} from the 4th; got {got}",
                  [brief(a) for a in answers], since=since)

    # b. The account is not locked: the right password from elsewhere signs in at once.
    since = time.monotonic()
    a = sign_in_form(Client(server.port, source="127.0.0.2"), "sam", PASSWORD)
    took = time.monotonic() - since
    results.check("1b then sam's right password from 127.0.0.2 signs in at once", signed_in(a) and took < 5,
                  f"303 with a flourish_session cookie in {took:.2f}s", [brief(a), f"took {took:.1f}s"], since=since)

    # c. One address trying many accounts is held up, that address only.
    since = time.monotonic()
    client = Client(server.port, source="127.0.0.3")
    failures = [sign_in_form(client, f"nobody-{NONCE}-{i}-{secrets.token_hex(3)}", f"guess number {i} {secrets.token_hex(4)}") for i in range(25)]
    statuses = [a.status for a in failures]
    first_429 = statuses.index(429) if 429 in statuses else None
    monotone = first_429 is not None and all(s == 422 for s in statuses[:first_429]) and all(s == 429 for s in statuses[first_429:])
    right = sign_in_form(Client(server.port, source="127.0.0.3"), "sam", PASSWORD)
    ok = monotone and right.status == 429 and THROTTLED in right.text and not session_set(right)
    results.check("1c 25 failures for random user names from 127.0.0.3: then 429 there even for sam's right password", ok,
                  f"422 for the first {first_429}, then 429; sam's right password from 127.0.0.3 429 {THROTTLED!r}" if ok else
                  f"statuses {statuses}; sam's right password from 127.0.0.3 got {brief(right)}",
                  [brief(failures[-1]), brief(right)], since=since)
    since = time.monotonic()
    a = sign_in_form(Client(server.port, source="127.0.0.4"), "sam", PASSWORD)
    results.check("1d while 127.0.0.4 signs sam in", signed_in(a), "303 with a flourish_session cookie", [brief(a)], since=since)

    # e. Behind a trusted proxy, X-Forwarded-For names the client.
    since = time.monotonic()
    try:
        second.start()
    except SystemExit as e:
        results.check("1e the server with --trusted-proxy 127.0.0.1 starts", False, str(e), since=since)
        return
    try:
        proxy = Client(second.port, source="127.0.0.1")
        answers = [sign_in_form(proxy, "sam", f"wrong password {i}", forwarded_for="203.0.113.5") for i in range(4)]
        got = [a.status for a in answers]
        ok = got == [422, 422, 422, 429] and THROTTLED in answers[3].text
        results.check("1e --trusted-proxy 127.0.0.1: four wrong passwords for sam for X-Forwarded-For 203.0.113.5, the 4th 429", ok,
                      f"statuses {got}" if ok else f"expected [422, 422, 422, 429] with {THROTTLED!r}; got {got}",
                      [brief(a) for a in answers], since=since)
        since = time.monotonic()
        a = sign_in_form(Client(second.port, source="127.0.0.1"), "sam", PASSWORD, forwarded_for="203.0.113.6")
        results.check("1f while X-Forwarded-For 203.0.113.6 through the same proxy signs sam in", signed_in(a),
                      "303 with a flourish_session cookie", [brief(a)], since=since)
    finally:
        second.stop()


# MARK: - 2. Connection-cap exhaustion

def check_connection_cap(results, server):
    since = time.monotonic()
    socks = []
    try:
        problems = []
        for _ in range(515):
            try:
                s = socket.create_connection((HOST, server.port), timeout=3, source_address=("127.0.0.1", 0))
            except OSError as e:
                problems.append(f"connection {len(socks)} from 127.0.0.1 could not be opened: {type(e).__name__}: {e}")
                break
            s.setblocking(False)
            socks.append(s)
        opened = time.monotonic() - since

        # Meanwhile an ordinary client elsewhere: 75 GET /healthz, a new connection each.
        answers, started = [], time.monotonic()
        for _ in range(75):
            left = started + 10 - time.monotonic()
            if left <= 0:
                answers.append("not tried: 10 s had passed")
                continue
            try:
                conn = http.client.HTTPConnection(HOST, server.port, timeout=min(2.0, left), source_address=("127.0.0.2", 0))
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                body = r.read()
                conn.close()
                answers.append(r.status if r.status != 200 or body == b"ok\n" else f"200 with {body[:20]!r}")
            except (OSError, http.client.HTTPException) as e:
                answers.append(f"{type(e).__name__}: {e}")
        took = time.monotonic() - started
        ok = len(answers) == 75 and all(a == 200 for a in answers) and took < 5
        results.check("2a 515 idle connections from 127.0.0.1: 75 GET /healthz from 127.0.0.2 all answered 200 within 5 s", ok and not problems,
                      f"75 of 75 answered 200 in {took:.2f}s (515 connections opened in {opened:.1f}s)" if ok else
                      f"{sum(1 for a in answers if a == 200)} of 75 answered 200 in {took:.1f}s",
                      problems + [f"request {i}: {a}" for i, a in enumerate(answers) if a != 200][:10], since=since)

        # Those past 64 from one address are answered 503 and closed; the first 64 are held.
        since = time.monotonic()
        data = {s: b"" for s in socks}
        closed = set()
        sel = selectors.DefaultSelector()
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(closed) < len(socks) - 64:
            for key, _ in sel.select(timeout=0.2):
                s = key.fileobj
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if chunk:
                    data[s] += chunk
                else:
                    closed.add(s)
                    sel.unregister(s)
        sel.close()
        refused = [i for i, s in enumerate(socks) if data[s].startswith(b"HTTP/1.1 503 ") and s in closed]
        held = [i for i, s in enumerate(socks) if not data[s] and s not in closed]
        other = [i for i in range(len(socks)) if i not in refused and i not in held]
        ok = len(socks) == 515 and held == list(range(64)) and refused == list(range(64, 515))
        sample = next((data[socks[i]] for i in refused), b"")
        retry = b"Retry-After: 1\r\n" in sample
        results.check("2b the connections past 64 from 127.0.0.1 get 503 (Retry-After: 1); the first 64 are held", ok and retry,
                      f"{len(held)} held, {len(refused)} answered 503 and closed" if ok and retry else
                      f"{len(held)} held ({held[:3]}...), {len(refused)} refused 503 ({refused[:3]}...), {len(other)} otherwise "
                      f"({[(i, data[socks[i]][:30], socks[i] in closed) for i in other[:5]]})",
                      [f"a 503 was {sample[:160]!r}"] if not retry else [], since=since)
    finally:
        for s in socks:
            s.close()
    time.sleep(0.3)


# MARK: - 3. CSV injection

HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example","click")',
    "+44 cmd|' /C calc'!A0 Trading",
    "-2+3 cmd|' /C calc'!A0 Services",
    "@SUM(1+9)*cmd|' /C calc'!A0 Group",
]


def bad_cells(rows):
    """Every (row, column, cell) a spreadsheet would run as a formula: it begins with = + - @
    tab or CR and is not a plain number."""
    return [(r, c, cell) for r, row in enumerate(rows) for c, cell in enumerate(row)
            if cell.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(cell)]


def check_csv_injection(results, server):
    since = time.monotonic()
    names = [f"{n} {NONCE}" for n in HOSTILE_NAMES]
    made = []
    try:
        for i, name in enumerate(names):
            org = server.cli_json("org", "register", "--name", name, "--kind", "business", "--district", "norwich", "--size", "small",
                                  "--postcode", "NR1 1AA", "--contact-name", f"Eve Example {i}", "--contact-email", f"eve{i}-{NONCE}@evil.example",
                                  person="sam")
            text = "=1+2 work placements for young people" if i == 0 else f"Offer {i + 2} work placements for young people"
            pledge = server.cli_json("pledge", "create", "--org", org["key"], "--text", text, "--areas", "opportunity", person="sam")
            contact = (pledge.get("data", {}).get("contacts") or [None])[0]
            code, _, err = server.cli("pledge", "submit", pledge["id"], person=contact)
            if code != 0:
                raise RuntimeError(f"`flourish --as {contact} pledge submit {pledge['id']}` exited {code}: {err.strip()[-300:]}")
            code, _, err = server.cli("pledge", "approve", pledge["id"], person="sam")
            if code != 0:
                raise RuntimeError(f"`flourish --as sam pledge approve {pledge['id']}` exited {code}: {err.strip()[-300:]}")
            made.append((name, org["key"], pledge["id"], text))
    except (RuntimeError, ValueError, KeyError) as e:
        results.check("3 four organisations named as formulas, each with a published pledge (CLI)", False, f"{type(e).__name__}: {e}", since=since)
        return
    results.check("3 four organisations named as formulas, each with a published pledge (CLI)", True,
                  ", ".join(f"{p} of {k}" for _, k, p, _ in made), since=since)

    since = time.monotonic()
    a = Client(server.port).get("/open-data/pledges.csv")
    code, out, err = server.cli("export", "pledges", "--format", "csv")
    for label, status, text in [("/open-data/pledges.csv", a.status, a.text if a.status == 200 else ""),
                                ("flourish export pledges --format csv", 200 if code == 0 else code, out if code == 0 else "")]:
        problems = []
        if status != 200:
            problems.append(f"{label} gave {status}: {(a.text[:200] if label.startswith('/') else err.strip()[-200:])!r}")
        rows = list(csv.reader(io.StringIO(text, newline=""))) if text else []
        header = rows[0] if rows else []
        column = header.index("organisation") if "organisation" in header else None
        text_column = header.index("text") if "text" in header else None
        if rows and column is None:
            problems.append(f"no organisation column in {header}")
        bad = bad_cells(rows)
        problems += [f"row {r} column {header[c] if c < len(header) else c}: {cell[:80]!r} would run as a formula" for r, c, cell in bad]
        for name, key, pledge, pledge_text in made:
            row = next((r for r in rows[1:] if r and r[0] == pledge), None)
            if row is None:
                problems.append(f"{pledge} ({key}) is not in the file")
                continue
            if column is not None and row[column] != "'" + name:
                problems.append(f"{pledge}'s organisation is {row[column]!r}, not {chr(39) + name!r}")
            if text_column is not None and row[text_column] != (("'" + pledge_text) if pledge_text.startswith(FORMULA_START) else pledge_text):
                problems.append(f"{pledge}'s text is {row[text_column]!r}")
        cells = sum(len(r) for r in rows)
        results.check(f"3 {label}: no cell begins as a formula; each name as '=HYPERLINK(...) and so on", bool(rows) and not problems,
                      f"{len(rows) - 1} rows, {cells} cells read with csv; e.g. {next((r[column] for r in rows[1:] if r and r[0] == made[0][2]), '')!r}"
                      if rows and not problems else f"{len(problems)} problems", problems, since=since)
        since = time.monotonic()


# MARK: - 4. Registration flooding

def form_options(page, name):
    """The non-empty option values of the select named `name`."""
    found = re.search(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % re.escape(name), page, re.S)
    return [v for v in re.findall(r'<option value="([^"]*)"', found.group(1)) if v] if found else []


def h1(answer):
    found = re.search(r"<h1[^>]*>(.*?)</h1>", answer.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", found.group(1))).strip() if found else None


def register(port, source, i, email, choices):
    """GET /register, then POST it as a browser would from `source`; the POST's answer."""
    client = Client(port, source=source)
    client.get("/register")
    fields = {"name": f"Flood Test {NONCE} {i}", "kind": choices["kind"], "district": choices["district"], "sizeBand": choices["sizeBand"],
              "postcode": "NR2 4AB", "companyNumber": "", "contactName": f"Flo Flood {i}", "contactEmail": email,
              "userName": f"flood-{NONCE}-{i}", "password": NEW_PASSWORD, "passwordConfirm": NEW_PASSWORD}
    return client.request("POST", "/register", form=[("csrf", client.csrf or "")] + list(fields.items())), fields


def org_names(server):
    """The names of every pledging organisation, from `flourish org list --json`, page by page."""
    return {o.get("name") for o in web_client.cli_list(server.base, ["org", "list"], "organisations", limit=100)}


def outbox(server):
    """Every message in the outbox (newest first), paged."""
    return web_client.outbox_messages(server.base)


def check_registration_flood(results, server):
    since = time.monotonic()
    page = Client(server.port).get("/register")
    choices = {n: (form_options(page.text, n) or [""])[0] for n in ("kind", "district", "sizeBand")}
    if page.status != 200 or not all(choices.values()):
        results.check("4 the registration form", False, f"GET /register gave {page.status} with options {choices}", since=since)
        return
    orgs_before = org_names(server)
    last_message = max((m.get("id", 0) for m in outbox(server)), default=0)

    # a. 20 registrations from one address.
    answers = [register(server.port, "127.0.0.1", i, f"flood{i}-{NONCE}@example.org", choices) for i in range(20)]
    check_email = [i for i, (a, _) in enumerate(answers) if a.status == 200 and h1(a) == "Check your email" and not session_set(a)]
    too_many = [i for i, (a, _) in enumerate(answers) if a.status == 429 and "Too many registrations" in a.text and not session_set(a)]
    ok = check_email == list(range(5)) and too_many == list(range(5, 20))
    results.check("4a 20 registrations from 127.0.0.1: the first 5 200 \"Check your email\" without a session, the rest 429 \"Too many registrations\"", ok,
                  "5 to check their email, 15 refused 429" if ok else
                  f"{len(check_email)} \"Check your email\" ({check_email}), {len(too_many)} 429 \"Too many registrations\"",
                  [f"registration {i}: {brief(a)}{' (sets flourish_session)' if session_set(a) else ''}" for i, (a, _) in enumerate(answers)
                   if i not in check_email and i not in too_many][:8], since=since)
    since = time.monotonic()
    try:
        names = [f["name"] for _, f in answers]
        listed = org_names(server) - orgs_before
        results.check("4b `flourish org list` shows none of them before their email is confirmed", not (listed & set(names)),
                      f"{len(orgs_before)} organisations, as before" if not listed else f"new: {sorted(listed)}", since=since)
        since = time.monotonic()
        new = [m for m in outbox(server) if m.get("id", 0) > last_message]
        confirm = [m for m in new if "Confirm your email address" in (m.get("subject") or "")]
        links = {}
        for m in confirm:
            found = re.search(r"http://[^\s\"'<>/]+(/register/confirm\?token=[A-Za-z0-9_.~%-]+)", m.get("body") or "")
            if found:
                links[m.get("recipient")] = found.group(1)
        wanted = [f["contactEmail"] for _, f in answers[:5]]
        ok = len(confirm) == 5 and sorted(links) == sorted(wanted)
        results.check("4c the outbox holds exactly 5 new \"Confirm your email address\" messages, one to each, each with a /register/confirm?token= link", ok,
                      f"{len(new)} new messages, to {sorted(links)}" if ok else
                      f"{len(confirm)} such messages of {len(new)} new, links for {sorted(links)}; expected one each to {wanted}",
                      [f"{m.get('id')} to {m.get('recipient')}: {m.get('subject')!r} {(m.get('body') or '')[:160]!r}" for m in new][:8], since=since)
    except (RuntimeError, ValueError) as e:
        results.check("4b-c the CLI's organisation list and outbox", False, f"{type(e).__name__}: {e}", since=since)
        links, wanted = {}, []

    # d. The link, its confirm button, and a second use.
    since = time.monotonic()
    first = wanted[0] if wanted else None
    if first not in links:
        for name in ["4d GET the link: a page with a confirm button (a form posting the token and csrf to /register/confirm)",
                     "4e POST the confirm form: 303 to /organisation with a session cookie; the organisation is now listed",
                     "4f POST the same token again: refused 4xx, the link was used or has expired"]:
            results.check(name, False, f"not run: no confirmation link to {first} in the outbox (4c)", since=since)
    else:
        link = links[first]
        token = re.search(r"token=([^&]+)", link).group(1)
        contact = Client(server.port, source="127.0.0.1")
        shown = contact.get(link)
        form = re.search(r'<form[^>]*action="/register/confirm"[^>]*>(.*?)</form>', shown.text, re.S)
        inputs = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1))) if form else {}
        has_button = bool(form) and re.search(r'method="post"', form.group(0), re.I) and re.search(r"<button|type=\"submit\"", form.group(1))
        ok = shown.status == 200 and has_button and urllib_unquote(inputs.get("token", "")) == urllib_unquote(token) and inputs.get("csrf")
        results.check("4d GET the link: a page with a confirm button (a form posting the token and csrf to /register/confirm)", bool(ok),
                      f"{shown.status}, form fields {sorted(inputs)}" if ok else f"{brief(shown)}; form {'found' if form else 'not found'}, fields {inputs}",
                      since=since)
        since = time.monotonic()
        posted = contact.request("POST", "/register/confirm", form=[("csrf", inputs.get("csrf") or contact.csrf or ""), ("token", html.unescape(inputs.get("token") or urllib_unquote(token)))])
        location = posted.header("Location") or ""
        try:
            now_listed = answers[0][1]["name"] in org_names(server)
        except (RuntimeError, ValueError) as e:
            now_listed = f"{type(e).__name__}: {e}"
        ok = posted.status == 303 and location.endswith("/organisation") and session_set(posted) and now_listed is True
        results.check("4e POST the confirm form: 303 to /organisation with a session cookie; the organisation is now listed", ok,
                      f"303 to {location}, signed in; {answers[0][1]['name']!r} in `flourish org list`" if ok else
                      f"{brief(posted)}, Location {location!r}, session cookie {session_set(posted)}, listed {now_listed}", since=since)
        since = time.monotonic()
        again = Client(server.port, source="127.0.0.1")
        again.get(link)
        if not again.csrf:
            again.get("/register")
        second = again.request("POST", "/register/confirm", form=[("csrf", again.csrf or ""), ("token", urllib_unquote(token))])
        said = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", second.text)))
        ok = 400 <= second.status < 500 and re.search(r"\b(used|expired)\b", said, re.I) and not session_set(second)
        results.check("4f POST the same token again: refused 4xx, the link was used or has expired", bool(ok),
                      f"{second.status} {h1(second)!r}" if ok else f"{brief(second)}; session cookie {session_set(second)}", since=since)

    # g. One email address from five addresses.
    since = time.monotonic()
    email = f"same-{NONCE}@example.org"
    repeated = [register(server.port, f"127.0.0.{5 + i}", 100 + i, email, choices)[0] for i in range(5)]
    shapes = [("check" if a.status == 200 and h1(a) == "Check your email" and not session_set(a) else a.status) for a in repeated]
    ok = shapes == ["check", "check", "check", 429, 429]
    results.check("4g five registrations with one email address from 127.0.0.5-9: 3 \"Check your email\", then 429", ok,
                  f"{shapes}" if ok else f"expected ['check', 'check', 'check', 429, 429]; got {shapes}",
                  [brief(a) for a in repeated], since=since)


def urllib_unquote(text):
    import urllib.parse
    return urllib.parse.unquote(text)


# MARK: - Main

def main():
    binary = flourish_binary("abuse")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    results = Results()
    if soft != resource.RLIM_INFINITY and soft < 1400:
        results.check("open-file limit", False, f"ulimit -n is {soft}; 515 connections and two servers need about 1400")
        print(f"abuse: {results.passed} passed, {results.failed} failed")
        return 1
    work = tempfile.mkdtemp(prefix="flourish-abuse-")
    server = Server(binary, work, "abuse")
    second = Server(binary, work, "behind-proxy", ["--trusted-proxy", "127.0.0.1"])
    fired = threading.Event()

    def watchdog():
        fired.set()
        print(f"abuse: still running after {WATCHDOG}s; stopping the servers", flush=True)
        for s in (server, second):
            if s.alive():
                s.proc.kill()

    timer = threading.Timer(WATCHDOG, watchdog)
    timer.daemon = True
    timer.start()
    try:
        try:
            server.start()
        except SystemExit as e:
            results.check("the server starts", False, str(e))
            print(f"abuse: {results.passed} passed, {results.failed} failed")
            return 1
        print(f"  {binary} on port {server.port}, database {server.db}", flush=True)
        for label, step in [("1", lambda: check_lockout(results, server, second)),
                            ("2", lambda: check_connection_cap(results, server)),
                            ("3", lambda: check_csv_injection(results, server)),
                            ("4", lambda: check_registration_flood(results, server))]:
            if fired.is_set():
                results.check(f"{label} (not run)", False, "the watchdog fired")
                continue
            if not server.alive():
                results.check(f"{label} (not run)", False, f"the server exited (code {server.proc.poll()}); stderr {server.stderr[-5:]}")
                continue
            try:
                step()
            except Exception as e:
                results.check(f"{label} stopped early", False, f"{type(e).__name__}: {e}")
        alive = server.alive() and Client(server.port).get("/healthz").status == 200
        results.check("afterwards: the server is alive and GET /healthz answers 200", alive,
                      "" if alive else f"exit {server.proc.poll()}; stderr {server.stderr[-5:]}")
    finally:
        timer.cancel()
        server.stop()
        second.stop()
        if os.environ.get("ABUSE_KEEP"):
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"abuse: {results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
