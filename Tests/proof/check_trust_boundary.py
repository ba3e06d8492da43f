#!/usr/bin/env python3
"""Trust-boundary test: what an outsider, an anonymous visitor and a careless API client can
reach or write through `flourish serve`, checked black-box over HTTP.

Starts `flourish serve --demo --port 0 --tick-every 0` on a fresh database in a temporary
folder (the system clock, as the demo itself does), then, as the secretariat (`sam`, through
an API token and a browser session), plants private markers with a random nonce in them and
collects the demo's own private strings:

  * a draft pledge (contact-1's organisation), a review comment (changes asked of the pledge
    waiting for review), an escalation raised by hand (erin), a group's section of this year's
    annual report, still a draft (sam starts the report, erin writes the section);
  * from every record, read with sam's token: each organisation's contact name and email (its
    scheme membership), the text of every pledge that is not public (whose page /pledges/{id}
    an anonymous visitor is refused: neither on the wall nor reported on), every review comment,
    every escalation's title and description, every action's title, every measure's name.

Then it proves each of these defects ABSENT (one function per defect, below, in DEFECTS):

  1. A stranger who registers an organisation at /register (open to anyone: "Check your email",
     then the link in the confirmation message, read from the outbox with `flourish outbox
     list --json`, and its "Confirm and finish registering" button) is signed in and reads,
     for every record that is not theirs: membership records (403/404), other
     organisations' pledges' edit pages (403/404) and API records (403/404 unless public),
     /api/v1/escalations (403, or a list without any of them) and /escalations/{id} (403/404),
     the draft annual report (/annual-report/{year}/draft, /api/v1/reports/annual?year=),
     the dashboard's drill-downs (no action titles or measure names, which /api/v1/actions
     refuses them anyway), and every record's history (/history/{id},
     /api/v1/instances/{id}/history: 403/404, except a public pledge's, which may show its
     public events). No answer the stranger gets carries a marker.
  2. Anonymous calendar feeds (/groups/{g}/deadlines.ics for every body,
     /organisations/{o}/deadlines.ics for every organisation) carry no escalation title, no
     action title and no text of a pledge that is not public.
  3. The generic event route POST /api/v1/instances/{id}/events/{event} keeps the services'
     rules: a contact cannot clear `repeatsLastYear`, nor store an unknown area, theme or
     priority; a chair cannot record a measure value with a RAG that is not the value's, nor
     move `valueDueOn` to 2099. Each is a 422 naming the field (problem+json `field`) and writes
     nothing (the version is unchanged). A legitimate edit still works, and so does a measure
     `record` with only period, value and note, the server working out its RAG.
  4. POST /api/v1/measures/{id}/values: 20 concurrent requests with one Idempotency-Key record
     exactly one value; If-Match with a weak tag W/"n" is refused (412 or 400), a stale "n-1"
     is refused (412), and the current "n" works. The generic route refuses W/"n" as well.
  5. GET /api/v1/reports/annual?year=1000000 is a 400/422 naming `year`, not a crash, and the
     server still answers /healthz.

Prints one PASS or FAIL line per check with a one-line reason, then a summary; exits 1 if any
check fails. Takes about 15 s; a watchdog stops everything after 58 s. Uses FLOURISH_BIN when
set, else .build/debug/flourish; FLOURISH_WORKFLOWS when set, else this checkout's Workflows.
TRUST_KEEP=1 keeps the temporary folder (the database and the server's output).
"""
import datetime, html, json, os, pathlib, re, secrets, shutil, subprocess, sys, tempfile, threading, time
from served import start_serving, stop_serving, flourish_binary
import web_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = os.environ.get("FLOURISH_WORKFLOWS") or str(ROOT / "Workflows")
NONCE = secrets.token_hex(4)
WATCHDOG = 58  # seconds
GROUP = "early-prevention-board"  # erin chairs it in the demo
TODAY = datetime.date.today()  # the server runs on the system clock
REFUSED = (403, 404)


# MARK: - Results

class Results:
    def __init__(self):
        self.passed, self.failed = 0, 0
        self.lock = threading.Lock()

    def check(self, name, ok, reason):
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1
            print(f"{'PASS' if ok else 'FAIL'} {name}: {reason}", flush=True)


def examples(items, n=3):
    """The first few of `items`, joined, saying how many more there were."""
    items = list(items)
    shown = "; ".join(items[:n])
    return shown + (f"; and {len(items) - n} more" if len(items) > n else "")


# MARK: - The server

class Server:
    def __init__(self, binary, work):
        self.db = os.path.join(work, "trust.sqlite")
        self.base = [binary, "--workflows", WORKFLOWS, "--db", self.db]
        self.stdout, self.stderr = [], []
        self.proc, self.port = None, None

    def start(self):
        self.proc, self.port = start_serving(self.base + ["serve", "--demo", "--port", "0", "--tick-every", "0"],
                                             self.stdout, self.stderr, "trust boundary", timeout=40)

    def cli(self, *args):
        r = subprocess.run(self.base + ["--json", *args], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise SystemExit(f"trust boundary: `flourish {' '.join(args)}` failed: {r.stdout.strip()} {r.stderr.strip()}")
        return json.loads(r.stdout)

    def token(self, person):
        return self.cli("user", "token", person, "--name", f"trust boundary {NONCE}")["token"]

    def instances(self):
        """Every instance's id, workflow, state and data (the CLI, reading the same database, a
        page at a time)."""
        try:
            return web_client.cli_list(self.base, ["instance", "list"], "instances", limit=1000, timeout=30)
        except RuntimeError as e:
            raise SystemExit(f"trust boundary: {e}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


# MARK: - An HTTP client

class Client(web_client.Client):
    """web_client's client (every answer kept in its `answers`); a refused sign-in stops the run."""

    def sign_in_refused(self, person, answer):
        raise SystemExit(f"trust boundary: could not sign in as {person}: {answer} {answer.text[:200]!r}")


def expect(answer, statuses, what):
    if answer.status not in statuses:
        raise SystemExit(f"trust boundary: setup step failed, {what}: {answer} {answer.text[:300]!r}")
    return answer


# MARK: - Markers: private strings, and finding them in an answer

def ics_text(text):
    """An iCalendar body with its folded lines joined and its TEXT escapes undone (RFC 5545 3.1, 3.3.11)."""
    text = re.sub(r"\r?\n[ \t]", "", text)
    return text.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def spellings(s):
    """How a string can appear in an answer: as is, HTML-escaped, or inside a JSON string."""
    return {s, html.escape(s), html.escape(s, quote=False), json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1]}


def leaked(answer, markers):
    """The labels of the markers whose text appears in the answer."""
    text = answer.text
    if "text/calendar" in (answer.header("Content-Type") or "") or answer.target.endswith(".ics"):
        text = ics_text(text)
    return [label for label, m in markers if any(s in text for s in spellings(m))]


class World:
    """The demo as the secretariat sees it, with markers planted."""

    def __init__(self, server):
        self.server = server
        port = server.port
        self.sam = Client(port, token=server.token("sam"))
        self.erin = Client(port, token=server.token("erin"))
        self.contact1 = Client(port, token=server.token("contact-1"))
        self.anon = Client(port)
        self.year = TODAY.year

    def plant(self):
        sam_web, erin_web = Client(self.server.port), Client(self.server.port)
        sam_web.sign_in("sam")
        erin_web.sign_in("erin")
        self.contact1_org = (expect(self.contact1.get("/api/v1/me"), (200,), "contact-1's /api/v1/me").json()["organisations"] or [None])[0]
        # A draft pledge of contact-1's organisation.
        self.draft_text = f"Draft marker {NONCE}: lend our delivery van to the youth club on Sundays"
        a = expect(self.contact1.post_json("/api/v1/pledges", {"organisation": self.contact1_org, "text": self.draft_text, "areas": ["opportunity"]}),
                   (201,), "contact-1 drafts a pledge")
        self.draft_pledge = a.json()["id"]
        # A review comment: the secretariat asks for changes to the pledge waiting for review.
        waiting = [i for i in self.server.instances() if i["workflow"] == "pledge" and i["state"] == "submitted"]
        if not waiting:
            raise SystemExit("trust boundary: the demo has no pledge waiting for review")
        self.reviewed_pledge = waiting[0]["id"]
        self.review_comment = f"Review marker {NONCE}: please say which library branch and how many families"
        expect(sam_web.post_form(f"/pledges/{self.reviewed_pledge}/events/request-changes",
                                 [("reviewComment", self.review_comment), ("version", str(waiting[0]["version"]))], "/review"),
               (303,), "sam asks for changes to the waiting pledge")
        # An escalation raised by hand.
        self.escalation_title = f"Escalation marker {NONCE}: safeguarding referrals stuck in triage"
        expect(self.erin.post_json("/api/v1/escalations", {"group": GROUP, "title": self.escalation_title, "severity": "medium", "areas": ["safe-and-secure"],
                                                           "description": f"Escalation description {NONCE}: two weeks of backlog"}),
               (201,), "erin raises an escalation")
        # This year's annual report, with erin's group's section in and the report still a draft.
        due = (TODAY + datetime.timedelta(days=60)).isoformat()
        expect(sam_web.post_form("/annual-report", [("year", str(self.year)), ("sectionsDueOn", due)], "/annual-report"),
               (303,), f"sam starts the {self.year} annual report")
        self.section_text = f"Section marker {NONCE}: the board paused two family hub openings pending funding"
        expect(erin_web.post_form(f"/annual-report/{self.year}/sections/{GROUP}", [(f"text-{GROUP}", self.section_text)], "/annual-report"),
               (303,), f"erin submits {GROUP}'s section")

    def collect(self):
        """Reads every record through sam's token and sorts the private strings into markers."""
        self.records = {}
        for i in self.server.instances():
            a = expect(self.sam.get(f"/api/v1/instances/{i['id']}"), (200,), f"sam reads {i['id']}")
            self.records[i["id"]] = a.json()
        # A pledge is public when an anonymous visitor may open its page (on the wall, or reported on).
        self.public_pledges = {rid for rid, r in self.records.items() if r["workflow"] == "pledge" and self.anon.get(f"/pledges/{rid}").status == 200}
        # Meetings of a body that publishes its papers (the partnership file's papersPublic) are anyone's to read.
        self.public_records = {rid for rid, r in self.records.items() if r["workflow"] == "meeting" and self.anon.get(f"/meetings/{rid}").status == 200}
        # "You said, we did" is published: what a participation group said and the response, nobody named.
        self.public_records |= {rid for rid, r in self.records.items() if r["workflow"] == "voice" and self.anon.get(f"/voice/{rid}").status == 200}
        # The partnership's asks are published for every organisation to answer.
        self.public_records |= {rid for rid, r in self.records.items() if r["workflow"] == "pledge-ask" and self.anon.get(f"/asks/{rid}").status == 200}
        public_texts = {self.records[rid]["data"].get("text") for rid in self.public_pledges}
        self.contacts, self.pledge_texts, self.comments, self.escalations, self.actions, self.measures = [], [], [], [], [], []
        for rid, r in self.records.items():
            d, w = r["data"], r["workflow"]
            if w == "scheme-membership":
                for f in ("contactEmail", "contactName"):
                    if d.get(f):
                        self.contacts.append((f"{d.get('organisation')}'s {f} (from {rid})", d[f]))
            elif w == "pledge":
                if d.get("text") and d["text"] not in public_texts:
                    self.pledge_texts.append((f"text of {rid} ({r['state']}, not public)", d["text"]))
                if d.get("reviewComment"):
                    self.comments.append((f"review comment on {rid}", d["reviewComment"]))
            elif w == "escalation":
                self.escalations.append((f"title of {rid}", d.get("title", "")))
                if d.get("description"):
                    self.escalations.append((f"description of {rid}", d["description"]))
            elif w == "action":
                self.actions.append((f"title of {rid}", d.get("title", "")))
            elif w == "measure":
                self.measures.append((f"name of {rid}", d.get("name", "")))
        self.section = [(f"draft {self.year} report section of {GROUP}", self.section_text)]
        self.private = [(l, m) for l, m in self.contacts + self.pledge_texts + self.comments + self.escalations + self.actions + self.section if len(m) >= 8]
        for label, text in [("draft pledge", self.draft_text), ("review comment", self.review_comment), ("escalation", self.escalation_title)]:
            if not any(m == text for _, m in self.private):
                raise SystemExit(f"trust boundary: the planted {label} was not found in the records sam reads")

    def ids(self, workflow):
        return [rid for rid, r in self.records.items() if r["workflow"] == workflow]

    def version(self, rid):
        return expect(self.sam.get(f"/api/v1/instances/{rid}"), (200,), f"sam reads {rid}").json()["version"]


# MARK: - 1. A stranger who registers

def register_stranger(world):
    stranger = Client(world.server.port)
    user = f"outsider-{NONCE}"
    page = stranger.get("/register")
    if "flourish_csrf" not in stranger.cookies or not stranger.csrf:
        raise SystemExit(f"trust boundary: /register set no flourish_csrf cookie or csrf field: {page}")
    a = stranger.request("POST", "/register", form=[("csrf", stranger.csrf), ("name", f"Outsider Trust {NONCE}"), ("kind", "business"), ("district", "norwich"),
                                                    ("sizeBand", "small"), ("postcode", ""), ("companyNumber", ""), ("contactName", "Olive Outsider"),
                                                    ("contactEmail", f"{user}@outsider.example"), ("userName", user),
                                                    ("password", "Correct-Horse-Battery-73"), ("passwordConfirm", "Correct-Horse-Battery-73")])
    expect(a, (200,), "a stranger registers at /register")
    if not re.search(r"<h1[^>]*>\s*Check your email\s*</h1>", a.text) or "flourish_session" in stranger.cookies:
        raise SystemExit(f"trust boundary: /register did not answer \"Check your email\" without signing the stranger in: {a} {a.text[:200]!r}")
    # Registration waits for the email: the link in the outbox, then its confirm button.
    try:
        page, a = web_client.confirm_registration(stranger, world.server.base, f"{user}@outsider.example")
    except (LookupError, RuntimeError) as e:
        raise SystemExit(f"trust boundary: the stranger's registration could not be confirmed: {e}")
    expect(page, (200,), "the stranger opens the confirmation link")
    expect(a, (303,), "the stranger presses \"Confirm and finish registering\"")
    if not (a.header("Location") or "").endswith("/organisation") or "flourish_session" not in stranger.cookies:
        raise SystemExit(f"trust boundary: confirming did not sign the stranger in and send them to /organisation: {a} Location {a.header('Location')!r}")
    me = expect(stranger.get("/api/v1/me"), (200,), "the stranger's /api/v1/me").json()
    stranger.person, stranger.organisations = me.get("person"), me.get("organisations") or []
    # The stranger's own records: whatever names their organisation.
    stranger.own = {i["id"] for i in world.server.instances() if i["data"].get("organisation") in stranger.organisations}
    return stranger


def defect_1_stranger(world, results):
    stranger = world.stranger = register_stranger(world)
    others = [rid for rid in world.records if rid not in stranger.own]
    private = world.private

    def sweep(name, targets, must_refuse, markers=private):
        """GETs each target as the stranger: refused when `must_refuse(target)`, and no marker in any answer."""
        bad = []
        for target in targets:
            a = stranger.get(target)
            if a.status == 0 or a.status >= 500:
                bad.append(f"{a} (server error)")
                continue
            if must_refuse(target) and a.status not in REFUSED:
                bad.append(f"{a}, not 403/404")
            found = leaked(a, markers)
            if found:
                bad.append(f"{a} shows {examples(found, 2)}")
        results.check(name, not bad, f"{len(targets)} requests: refused where required, no marker in any" if not bad else examples(bad))

    # Controls: the stranger is really signed in as their organisation's contact, and /api/v1/actions refuses them.
    dash = stranger.get("/dashboard")
    actions = stranger.get("/api/v1/actions")
    ok = bool(stranger.organisations) and dash.status == 200 and actions.status == 403
    results.check("1 control: the stranger is signed in (contact of their own organisation only)", ok,
                  f"{stranger.person} contacts {stranger.organisations}, GET /dashboard -> {dash.status}, GET /api/v1/actions -> {actions.status} (403 expected)")

    memberships = [rid for rid in world.ids("scheme-membership") if rid not in stranger.own]
    sweep("1a other organisations' membership records (contact names and emails) are refused",
          [f"/api/v1/instances/{rid}" for rid in memberships], lambda t: True)

    pledges = [rid for rid in world.ids("pledge") if rid not in stranger.own]
    hidden = {rid for rid in pledges if rid not in world.public_pledges}
    sweep("1b other organisations' pledges: edit pages refused, drafts and review comments unreadable",
          [f"/pledges/{rid}/edit" for rid in pledges] + [f"/api/v1/instances/{rid}" for rid in pledges],
          lambda t: "/edit" in t or t.rsplit("/", 1)[1] in hidden)

    escalations = world.ids("escalation")
    # Every page of the list (a page is {"escalations": [...], "total": N, "next": ...}).
    seen, pages = stranger.list_pages("/api/v1/escalations?limit=2", "escalations")
    listed = pages[-1]
    shown = [e.get("id") for e in seen or [] if isinstance(e, dict) and e.get("id") in escalations]
    found = [f for a in pages for f in leaked(a, private)]
    ok = (listed.status in REFUSED if seen is None else not shown) and not found
    results.check("1c GET /api/v1/escalations shows the stranger none of the escalations", ok,
                  f"{listed}" + (f" ({len(pages)} page{'s' if len(pages) > 1 else ''}, {len(seen)} listed)" if seen is not None else "")
                  + (f", listing {len(shown)} of {len(escalations)}: {examples(shown)}" if shown else "") + (f", showing {examples(found, 2)}" if found else ""))
    sweep("1c escalation pages and records are refused to someone not on their path",
          [f"/escalations/{rid}" for rid in escalations] + [f"/api/v1/instances/{rid}" for rid in escalations + world.ids("escalation-review") + world.ids("escalation-top-review")],
          lambda t: True)

    sweep(f"1d the draft {world.year} annual report (its sections) is not shown to the stranger",
          [f"/annual-report/{world.year}/draft", f"/api/v1/reports/annual?year={world.year}", "/annual-report"], lambda t: False)

    framework = json.loads(pathlib.Path(WORKFLOWS, "framework", "flourish.json").read_text())
    sweep("1e dashboard drill-downs show no action titles or measure names",
          ["/dashboard"] + [f"/dashboard/areas/{a['key']}" for a in framework["areas"]] + [f"/dashboard/priorities/{p['key']}" for p in framework["priorities"]],
          lambda t: False,
          markers=private + world.measures)

    # A public pledge's, public meeting's, voice entry's or ask's history may be shown (without anything private in it); every other record's is refused.
    sweep("1f other people's records' history is refused (/history/{id}, /api/v1/instances/{id}/history)",
          [f"/history/{rid}" for rid in others] + [f"/api/v1/instances/{rid}/history" for rid in others],
          lambda t: t.split("/")[-1 if t.startswith("/history/") else -2] not in world.public_pledges | world.public_records)

    sweep("1g no other record read through /api/v1/instances/{id} carries a private marker",
          [f"/api/v1/instances/{rid}" for rid in others], lambda t: False)

    # Everything the stranger was answered, once more, against every marker.
    found = [f"{a} shows {examples(leaked(a, private), 1)}" for a in stranger.answers if leaked(a, private)]
    results.check("1 every answer the stranger got is free of private markers", not found,
                  f"{len(stranger.answers)} answers, {len(private)} markers" if not found else examples(found))


# MARK: - 2. Anonymous calendar feeds

def defect_2_calendars(world, results):
    anon = Client(world.server.port)
    bodies = [b["key"] for b in expect(anon.get("/api/v1/governance"), (200,), "the governance graph").json()["bodies"]]
    orgs = sorted({r["data"]["organisation"] for r in world.records.values() if r["workflow"] == "scheme-membership" and r["data"].get("organisation")})
    markers = world.escalations + world.actions + world.pledge_texts
    for name, targets in [("2a group deadline feeds (/groups/{g}/deadlines.ics)", [f"/groups/{b}/deadlines.ics" for b in bodies]),
                          ("2b organisation deadline feeds (/organisations/{o}/deadlines.ics)", [f"/organisations/{o}/deadlines.ics" for o in orgs])]:
        bad, served = [], 0
        for t in targets:
            a = anon.get(t)
            if a.status == 0 or a.status >= 500:
                bad.append(f"{a} (server error)")
            served += a.status == 200
            found = leaked(a, markers)
            if found:
                bad.append(f"{a} shows {examples(found, 2)}")
        results.check(f"{name} carry no escalation title, action title or unpublished pledge text to anonymous visitors", not bad,
                      f"{len(targets)} feeds ({served} answered 200), no marker" if not bad else examples(bad))


# MARK: - 3. The generic event route

def fire(client, rid, event, body, headers=None):
    return client.post_json(f"/api/v1/instances/{rid}/events/{event}", body, headers=headers)


def refused_naming(world, client, rid, event, body, fields):
    """Fires; returns (ok, reason): ok when a 422 names one of `fields` and the version did not move."""
    before = world.version(rid)
    a = fire(client, rid, event, body)
    after = world.version(rid)
    ok = a.status == 422 and a.field() in fields and before == after
    return ok, f"{event} {json.dumps(body)} -> {a.status} field={a.field()!r}, version {before} -> {after}" + ("" if ok else a.detail())


def rag_of(measure, value):
    """The RAG a value earns against the measure's target and tolerance (MeasureRAG.status)."""
    d = measure["data"]
    shortfall = d["target"] - value if d["direction"] == "higher-is-better" else value - d["target"]
    return "green" if shortfall <= 0 else "amber" if shortfall <= abs(d["tolerance"]) else "red"


def values_for(measure):
    """A red value and an amber value for the measure."""
    d = measure["data"]
    sign = 1 if d["direction"] == "higher-is-better" else -1
    tol = abs(d["tolerance"]) or 1
    red, amber = d["target"] - sign * (3 * tol + 1), d["target"] - sign * tol / 2
    assert rag_of(measure, red) == "red" and rag_of(measure, amber) == "amber"
    return red, amber


def erin_measures(world):
    ms = [world.sam.get(f"/api/v1/instances/{rid}").json() for rid in world.ids("measure")]
    ms = [m for m in ms if m["data"].get("group") == GROUP and m["state"] == "active" and m["data"].get("tolerance")]
    if not ms:
        raise SystemExit(f"trust boundary: the demo has no active measure of {GROUP}")
    return ms


def defect_3_generic_events(world, results):
    # A contact's pledge flagged as repeating an earlier one: contact-1 pledges its earlier text again.
    earlier = [r for r in world.records.values() if r["workflow"] == "pledge" and r["data"].get("organisation") == world.contact1_org
               and r["data"].get("pledgeYear", world.year) < world.year]
    if not earlier:
        raise SystemExit(f"trust boundary: {world.contact1_org} has no pledge from an earlier year")
    a = expect(world.contact1.post_json("/api/v1/pledges", {"organisation": world.contact1_org, "text": earlier[0]["data"]["text"], "areas": ["opportunity"]}),
               (201,), "contact-1 pledges an earlier pledge's text again")
    pledge = a.json()["id"]
    if a.json()["data"].get("repeatsLastYear") is not True:
        raise SystemExit(f"trust boundary: {pledge} repeats {earlier[0]['id']} but is not flagged: {a.json()['data']}")
    ok, why = refused_naming(world, world.contact1, pledge, "edit", {"repeatsLastYear": False}, {"repeatsLastYear"})
    flag = world.sam.get(f"/api/v1/instances/{pledge}").json()["data"].get("repeatsLastYear")
    results.check(f"3a a contact cannot clear repeatsLastYear through the generic edit [{pledge}]", ok and flag is True, f"{why}, flag now {flag}")
    for field, value in [("areas", ["not-an-area"]), ("theme", "not-a-theme"), ("priority", "not-a-priority")]:
        ok, why = refused_naming(world, world.contact1, pledge, "edit", {field: value}, {field})
        results.check(f"3b a contact cannot store an unknown {field.rstrip('s')} through the generic edit [{pledge}]", ok, why)
    before = world.version(pledge)
    a = fire(world.contact1, pledge, "edit", {"areas": ["opportunity", "learning"]})
    results.check("3b control: a valid generic edit by the contact still works", a.status == 200 and world.version(pledge) == before + 1,
                  f"edit areas [opportunity, learning] -> {a.status}, version {before} -> {world.version(pledge)}")

    m = erin_measures(world)[0]
    mid = m["id"]
    red, amber = values_for(m)
    due = m["data"]["valueDueOn"]  # what the server itself would set today
    probes = [("3c a chair cannot record a red value as green (no valueDueOn sent)", {"period": "proof-rag-a", "value": red, "rag": "green"}, {"rag"}),
              ("3c a chair cannot record a red value as green (with today's valueDueOn)", {"period": "proof-rag-b", "value": red, "rag": "green", "valueDueOn": due}, {"rag", "valueDueOn"}),
              ("3d a chair cannot set valueDueOn to 2099-01-01 (no rag sent)", {"period": "proof-due-a", "value": amber, "valueDueOn": "2099-01-01"}, {"valueDueOn"}),
              ("3d a chair cannot set valueDueOn to 2099-01-01 (with the right rag)", {"period": "proof-due-b", "value": amber, "rag": "amber", "valueDueOn": "2099-01-01"}, {"valueDueOn", "rag"})]
    for name, body, fields in probes:
        ok, why = refused_naming(world, world.erin, mid, "record", body, fields)
        results.check(f"{name} [{mid}]", ok, why)
    before = world.version(mid)
    a = fire(world.erin, mid, "record", {"period": "proof-legit", "value": amber, "note": f"Legitimate value {NONCE}"})
    history = world.sam.list_all(f"/api/v1/instances/{mid}/history", "events")
    last = next((e for e in reversed(history) if e.get("event") == "record"), {})
    payload = last.get("payload", {})
    ok = a.status == 200 and world.version(mid) == before + 1 and payload.get("period") == "proof-legit" and payload.get("rag") == "amber"
    results.check(f"3e a generic measure record with only period, value and note works, the server working out its RAG [{mid}]", ok,
                  f"record value {amber} -> {a.status}{a.detail()}, version {before} -> {world.version(mid)}, last record {payload.get('period')!r} rag {payload.get('rag')!r} (amber expected)")


# MARK: - 4. Measure values: Idempotency-Key and If-Match

def record_count(world, mid):
    return sum(1 for e in world.sam.list_all(f"/api/v1/instances/{mid}/history", "events") if e.get("event") == "record")


def defect_4_measure_values(world, results):
    ms = erin_measures(world)
    m = ms[1] if len(ms) > 1 else ms[0]
    mid = m["id"]
    _, amber = values_for(m)
    target = f"/api/v1/measures/{mid}/values"
    key = f"proof-idempotency-{NONCE}"
    before = record_count(world, mid)
    barrier = threading.Barrier(20)
    statuses = []

    def post():
        client = Client(world.server.port, token=world.erin.token)
        try:
            barrier.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass
        a = client.post_json(target, {"period": "proof-idempotent", "value": amber}, headers={"Idempotency-Key": key})
        statuses.append(a.status)

    threads = [threading.Thread(target=post) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    added = record_count(world, mid) - before
    ok = added == 1 and any(200 <= s < 300 for s in statuses) and not any(s == 0 or s >= 500 for s in statuses)
    results.check(f"4a 20 concurrent value posts with one Idempotency-Key record exactly one value [{mid}]", ok,
                  f"{added} values recorded; statuses {dict(sorted((s, statuses.count(s)) for s in set(statuses)))}")

    def with_if_match(tag, period):
        v = world.version(mid)
        a = world.erin.post_json(target, {"period": period, "value": amber}, headers={"If-Match": tag(v)})
        return a, v, world.version(mid)

    a, v0, v1 = with_if_match(lambda v: f'W/"{v}"', "proof-weak")
    results.check(f"4b If-Match with a weak tag is refused on {target}", a.status in (400, 412) and v0 == v1,
                  f'If-Match: W/"{v0}" -> {a.status}, version {v0} -> {v1} (412 or 400, unchanged expected)')
    a, v0, v1 = with_if_match(lambda v: f'"{v - 1}"', "proof-stale")
    results.check(f"4c If-Match with a stale tag is refused on {target}", a.status == 412 and v0 == v1,
                  f'If-Match: "{v0 - 1}" -> {a.status}, version {v0} -> {v1} (412, unchanged expected)')
    a, v0, v1 = with_if_match(lambda v: f'"{v}"', "proof-strong")
    results.check(f"4d If-Match with the current strong tag works on {target}", a.status == 200 and v1 == v0 + 1,
                  f'If-Match: "{v0}" -> {a.status}, version {v0} -> {v1}')

    # The generic route: an update of one of erin's group's open actions.
    open_actions = [rid for rid in world.ids("action") if world.records[rid]["data"].get("group") == GROUP and world.records[rid]["state"] in ("planned", "in-progress", "blocked")]
    if not open_actions:
        raise SystemExit(f"trust boundary: the demo has no open action of {GROUP}")
    rid = open_actions[0]
    v0 = world.version(rid)
    a = fire(world.erin, rid, "update", {"rag": "green", "commentary": f"Weak tag {NONCE}"}, headers={"If-Match": f'W/"{v0}"'})
    v1 = world.version(rid)
    results.check(f"4e If-Match with a weak tag is refused on the generic event route [{rid} update]", a.status in (400, 412) and v0 == v1,
                  f'If-Match: W/"{v0}" -> {a.status}, version {v0} -> {v1}')
    a = fire(world.erin, rid, "update", {"rag": "green", "commentary": f"Strong tag {NONCE}"}, headers={"If-Match": f'"{v1}"'})
    v2 = world.version(rid)
    results.check(f"4e control: the current strong tag works on the generic event route [{rid} update]", a.status == 200 and v2 == v1 + 1,
                  f'If-Match: "{v1}" -> {a.status} field={a.field()!r}, version {v1} -> {v2}')


# MARK: - 5. An absurd report year

def defect_5_report_year(world, results):
    bad = []
    probes = [("sam", world.sam, year) for year in ("1000000", "-1")]
    if getattr(world, "stranger", None):  # any signed-in user; the stranger may instead be refused the draft (403)
        probes += [("the stranger", world.stranger, "1000000")]
    for who, client, year in probes:
        a = client.get(f"/api/v1/reports/annual?year={year}", timeout=15)
        allowed = (400, 422) if who == "sam" else (400, 422, 403)
        if a.status not in allowed or (a.status in (400, 422) and a.field() != "year"):
            bad.append(f"{who}: {a} field={a.field()!r}" + (" (the connection dropped)" if a.status == 0 else ""))
        if a.status == 0:
            time.sleep(0.5)
            if not world.server.alive():
                break
    time.sleep(0.2)
    health = Client(world.server.port).get("/healthz", timeout=5)
    alive = world.server.alive() and health.status == 200
    results.check("5 GET /api/v1/reports/annual?year=1000000 (and -1) is a 400/422 naming year, and the server lives on",
                  not bad and alive, (examples(bad) + "; " if bad else "refused naming year; ") + f"/healthz -> {health.status}, server {'running' if world.server.alive() else f'exited {world.server.proc.poll()}'}")


# MARK: - Main

DEFECTS = [
    (1, "a stranger who registers reads only their own records", defect_1_stranger),
    (2, "anonymous calendar feeds carry no private titles or unpublished text", defect_2_calendars),
    (3, "the generic event route keeps the services' rules", defect_3_generic_events),
    (4, "measure values honour Idempotency-Key and only a strong If-Match", defect_4_measure_values),
    (5, "an absurd report year is refused, not a crash", defect_5_report_year),
]


def main():
    binary = flourish_binary("trust boundary")
    work = tempfile.mkdtemp(prefix="flourish-trust-")
    server = Server(binary, work)
    results = Results()
    started = time.monotonic()

    def watchdog():
        print(f"FAIL watchdog: the run took more than {WATCHDOG} s; stopping", flush=True)
        stop_serving(server.proc)
        os._exit(1)

    timer = threading.Timer(WATCHDOG, watchdog)
    timer.daemon = True
    timer.start()
    try:
        server.start()
        world = World(server)
        world.plant()
        world.collect()
        print(f"trust boundary: {binary} on port {server.port}; {len(world.records)} records, {len(world.private)} private markers "
              f"({len(world.contacts)} contact details, {len(world.pledge_texts)} unpublished pledge texts, {len(world.comments)} review comments, "
              f"{len(world.escalations)} escalation titles and descriptions, {len(world.actions)} action titles, 1 draft report section), "
              f"{len(world.measures)} measure names", flush=True)
        for number, title, check in DEFECTS:
            if not server.alive():
                results.check(f"{number} {title}", False, f"the server exited ({server.proc.poll()}) before this check")
                continue
            try:
                check(world, results)
            except SystemExit as e:
                results.check(f"{number} {title}", False, f"could not run: {e}")
        if not server.alive() and server.proc.poll() not in (0, None):
            tail = [l for l in server.stderr if "Fatal" in l or "fatal" in l or "rror" in l][:2]
            print(f"note: the server exited with {server.proc.poll()}: {examples(tail, 2)}", flush=True)
    finally:
        timer.cancel()
        stop_serving(server.proc)
        if os.environ.get("TRUST_KEEP"):
            with open(os.path.join(work, "server.stderr"), "w") as f:
                f.write("\n".join(server.stderr))
            print(f"trust boundary: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"trust boundary: {results.passed} passed, {results.failed} failed in {time.monotonic() - started:.1f} s")
    sys.exit(1 if results.failed else 0)


if __name__ == "__main__":
    main()
