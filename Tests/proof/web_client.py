"""Talking to `flourish serve` over HTTP for the proof scripts: one place for the answer they
judge and the browser-like client (cookie jar, CSRF token, bearer token) that fetches it."""
import http.client, json, re, urllib.parse

HOST = "127.0.0.1"
PASSWORD = "try-flourish-demo"  # Flourish.demoPassword


class Answer:
    """One exchange: the request's method and target, the status (0 when no answer came: then
    `body` names the error), the headers as (name, value) pairs and the body."""

    def __init__(self, method, target, status, headers, body):
        self.method, self.target, self.status, self.headers, self.body = method, target, status, headers, body
        self.text = body.decode("utf-8", "replace")

    def header(self, name):
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def field(self):
        """problem+json's `field`, if any."""
        j = self.json()
        return j.get("field") if isinstance(j, dict) else None

    def detail(self):
        """problem+json's `detail`, shortened, or ""."""
        j = self.json()
        return f" ({j['detail'][:90]})" if isinstance(j, dict) and isinstance(j.get("detail"), str) else ""

    def __str__(self):
        """The exchange in brief: `GET /x -> 200`."""
        return f"{self.method} {self.target} -> {self.status}"

    def __repr__(self):
        """The exchange with the start of its body: `GET /x -> 200 '...'`."""
        return f"{self.method} {self.target[:80]} -> {self.status} {self.text[:160]!r}"


class Client:
    """A browser-like client: a cookie jar (cookies over 4096 bytes are dropped, as browsers do),
    the CSRF token of the last page, and an optional bearer token for the API. Every answer goes
    to `received`, which keeps it in `answers`. `source`, when given, is the local address its
    connections come from (any of 127.0.0.0/8 reaches the server on Linux's loopback)."""

    def __init__(self, port, token=None, source=None):
        self.port, self.token, self.cookies, self.csrf, self.source = port, token, {}, None, source
        self.answers = []  # every answer this client received (unless a subclass's `received` keeps them elsewhere)

    def received(self, answer):
        self.answers.append(answer)

    def request(self, method, target, form=None, json_body=None, headers=None, raw_body=None, timeout=20):
        h = dict(headers or {})
        body = None
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
        elif raw_body is not None:
            body = raw_body
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout, source_address=(self.source, 0) if self.source else None)
        try:
            conn.request(method, target, body=body, headers=h)
            r = conn.getresponse()
            answer = Answer(method, target, r.status, r.getheaders(), r.read())
        except (OSError, http.client.HTTPException) as e:
            answer = Answer(method, target, 0, [], f"{type(e).__name__}: {e}".encode())
        finally:
            conn.close()
        self.received(answer)
        for name, value in answer.headers:
            if name.lower() != "set-cookie":
                continue
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            if "max-age=0" in value.lower():
                self.cookies.pop(key.strip(), None)
            elif len(pair) <= 4096:
                self.cookies[key.strip()] = val.strip()
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    def get(self, target, **kw):
        return self.request("GET", target, **kw)

    def post_json(self, target, body, **kw):
        return self.request("POST", target, json_body=body, **kw)

    def post_form(self, target, fields, page=None):
        """POSTs a form with the CSRF token from `page` (fetched first) or the last page seen."""
        if page:
            self.get(page)
        return self.request("POST", target, form=[("csrf", self.csrf or "")] + list(fields))

    def sign_in(self, person):
        """Signs in through the form at /sign-in; when that is not a 303 that sets the session
        cookie, `sign_in_refused` says so (a RuntimeError, unless a subclass says otherwise)."""
        a = self.post_form("/sign-in", [("person", person), ("password", PASSWORD), ("next", "/")], page="/sign-in")
        if a.status != 303 or "flourish_session" not in self.cookies:
            self.sign_in_refused(person, a)
        return a

    def sign_in_refused(self, person, answer):
        raise RuntimeError(f"could not sign in as {person}: {answer!r}")

    def list_pages(self, target, name, most=1000):
        """A paged API list read to its end: GETs `target` (with whatever filters and `limit` it
        carries), then the page after each page's `next`, until `next` is null. The list's pages
        are `{name: [...], "total": N, "next": cursor or null}`. Returns (items, answers): every
        item in order and every page's answer; items is None when a page is not a 200 JSON object
        holding the list `name`, or the cursors go round in a loop (the last answer says which)."""
        items, answers, seen, page_target = [], [], set(), target
        for _ in range(most):
            answer = self.get(page_target)
            answers.append(answer)
            page = answer.json()
            if answer.status != 200 or not isinstance(page, dict) or not isinstance(page.get(name), list):
                return None, answers
            items += page[name]
            after = page.get("next")
            if after is None:
                return items, answers
            if after in seen:
                return None, answers
            seen.add(after)
            page_target = with_query(target, after=str(after))
        return None, answers

    def list_all(self, target, name):
        """Every item of a paged API list (see `list_pages`), or [] when it cannot be read."""
        items, _ = self.list_pages(target, name)
        return items or []


def with_query(target, **values):
    """`target` (a path and query) with the query parameters in `values` set, replacing any
    given before: with_query("/api/v1/pledges?area=x&after=a", after="b") gives
    "/api/v1/pledges?area=x&after=b"."""
    parts = urllib.parse.urlsplit(target)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k not in values]
    query += list(values.items())
    return urllib.parse.urlunsplit(("", "", parts.path, urllib.parse.urlencode(query), ""))


# MARK: - Lists from the CLI

def cli_list(cli, args, name, limit=200, timeout=60, most=1000):
    """Every item of a paged CLI list, read page by page: `flourish --json ARGS --limit N`, then
    `--after` each page's `next` until it is null (the pages are `{name: [...], "total": N,
    "next": cursor or null}`). `cli` is the flourish command up to the subcommand (the binary
    with its --db, --workflows and perhaps --as). Raises RuntimeError when a command fails,
    prints no such page, or the cursors go round in a loop."""
    return list(cli_items(cli, args, name, limit=limit, timeout=timeout, most=most))


def cli_items(cli, args, name, limit=200, timeout=60, most=1000):
    """`cli_list`'s items one at a time, each page read only when the one before is used up
    (so a search that stops early reads no further)."""
    import subprocess
    after, seen = None, set()
    for _ in range(most):
        command = list(cli) + ["--json", *args, "--limit", str(limit)] + (["--after", str(after)] if after is not None else [])
        r = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        try:
            page = json.loads(r.stdout) if r.returncode == 0 else None
        except ValueError:
            page = None
        if not isinstance(page, dict) or not isinstance(page.get(name), list):
            raise RuntimeError(f"`flourish --json {' '.join(args)}` failed or printed no page of {name} (exit {r.returncode}): "
                               f"{(r.stderr or r.stdout).strip()[-300:]}")
        yield from page[name]
        after = page.get("next")
        if after is None:
            return
        if after in seen:
            raise RuntimeError(f"`flourish --json {' '.join(args)}`: the page after {after!r} came round again")
        seen.add(after)
    raise RuntimeError(f"`flourish --json {' '.join(args)}`: more than {most} pages")


# MARK: - Email links, read from the outbox

def outbox_messages(cli, timeout=60):
    """Every message in the outbox, newest first, read with `flourish outbox list --json` page by
    page. `cli` is the flourish command up to the subcommand (the binary with its --db and
    --workflows). Raises RuntimeError when the command fails or prints no JSON."""
    return cli_list(cli, ["outbox", "list"], "messages", limit=200, timeout=timeout)


def outbox_link(cli, recipient, subject, path):
    """The newest message to `recipient` whose subject contains `subject`, and the path and query
    of the link to `path` in its body (`http://HOST:PORT/register/confirm?token=…` gives
    `/register/confirm?token=…`): (message, link); (None, None) when there is no such message,
    (message, None) when it has no such link."""
    for m in cli_items(cli, ["outbox", "list"], "messages"):  # newest first: the first page usually has it
        if m.get("recipient") == recipient and subject in (m.get("subject") or ""):
            found = re.search(r"https?://[^\s/\"'<>]+(%s\?token=[^\s\"'<>]+)" % re.escape(path), m.get("body") or "")
            return m, found and found.group(1)
    return None, None


def link_form_token(page, link):
    """The token a link's page posts back (its hidden `token` field), else the link's own."""
    import html
    found = re.search(r'name="token" value="([^"]*)"', page.text)
    return html.unescape(found.group(1)) if found else urllib.parse.unquote(link.split("token=", 1)[1])


def confirm_registration(client, cli, email):
    """Follows the link in the "Confirm your email address" message to `email` (read from the
    outbox) and presses its "Confirm and finish registering" button, as the contact would.
    Returns (page, answer): the page the link opened and the answer to the button's POST (a
    303 to /organisation that signs the contact in, when the registration is made). Raises
    LookupError when the outbox holds no such link."""
    message, link = outbox_link(cli, email, "Confirm your email address", "/register/confirm")
    if not link:
        raise LookupError(f"no /register/confirm link to {email} in the outbox" + (f" (the message says {(message.get('body') or '')[:200]!r})" if message else ""))
    page = client.get(link)
    return page, client.post_form("/register/confirm", [("token", link_form_token(page, link))])
