#!/usr/bin/env python3
"""Evidence uploads end to end, with real peers: curl -F sends the file to `flourish serve`,
Python's http.client and email parser read it back.

Starts `flourish serve --demo --port 0` on a fresh database, signs in as the contact of the
demo's reported pledge (with Python's http.client, through the sign-in form), and checks:

  1. curl -F (its own multipart/form-data body, boundary and Content-Type) adds a binary file
     whose bytes include CR, LF, NUL and a line that starts like a boundary; the server answers
     303 back to the pledge, and the pledge's page lists the file;
  2. the download is byte for byte what curl sent, as an attachment: Python's email parser
     reads the Content-Disposition's filename (RFC 6266's filename*, UTF-8) back as the name
     curl sent, the Content-Type is the one the server chose, with nosniff and no-store;
  3. curl -F with a file over the 10 MB evidence limit (sent to the upload path) is refused with
     the reason, nothing kept; a 2 MB body to an ordinary form is refused 413 by the HTTP
     server (only upload paths take a larger body), and the server still answers;
  4. curl -F without the CSRF token is refused 403, nothing kept;
  5. a visitor and another organisation's contact get 404 for the file.

Exit 0 when everything holds, 1 otherwise. Uses FLOURISH_BIN when set, else .build/debug/flourish.
"""
import email, email.utils, os, pathlib, re, shutil, subprocess, sys, tempfile
from served import start_serving, stop_serving, flourish_binary
from web_client import Client

ROOT = pathlib.Path(__file__).resolve().parents[2]
failures = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def curl_upload(port, client, target, path, filename, csrf=True, content_type=None):
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    spec = f"file=@{path};filename={filename}" + (f";type={content_type}" if content_type else "")
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", f"Cookie: {cookie}", "-F", spec]
    if csrf:
        args += ["-F", f"csrf={client.csrf}"]
    r = subprocess.run(args + [f"http://127.0.0.1:{port}{target}"], capture_output=True, text=True, timeout=60)
    status, _, location = r.stdout.partition(" ")
    return int(status or 0), location


def main():
    if shutil.which("curl") is None:
        print("curl is missing: scripts/test installs it"); return 1
    binary = flourish_binary("the upload peer check")
    work = tempfile.mkdtemp(prefix="flourish-upload-")
    out, err = [], []
    proc, port = start_serving([binary, "--workflows", str(ROOT / "Workflows"), "--db", os.path.join(work, "f.sqlite"), "serve", "--demo", "--port", "0", "--tick-every", "0"],
                               out, err, "upload peer", timeout=40)
    try:
        owner = Client(port)
        # The demo's reported pledge with evidence belongs to the Youth Trust (contact-2).
        owner.sign_in("contact-2")
        wall = owner.get("/organisation").text
        pledges = sorted(set(re.findall(r'href="/pledges/(pledge-\d+)"', wall)), key=lambda p: int(p.split("-")[1]))
        target = None
        for p in pledges:
            if "Evidence of what was delivered" in owner.get(f"/pledges/{p}").text:
                target = p
                break
        check(target is not None, f"the contact's organisation page leads to a reported pledge taking evidence ({pledges})")
        if target is None:
            return 1
        page = f"/pledges/{target}"
        owner.get(page)  # its CSRF token

        # 1. A binary file with bytes that look like multipart framing.
        payload = b"\x89PNG\r\n\x1a\n" + b"\x00\r\n--" + b"-" * 30 + b"boundary\r\n\r\n" + bytes(range(256)) * 40
        local = os.path.join(work, "upload.png")
        pathlib.Path(local).write_bytes(payload)
        name = "Café photo.png"
        status, location = curl_upload(port, owner, f"/records/{target}/evidence", local, name)
        check(status == 303 and location.endswith(page), f"curl -F adds the file: {status} to {location!r}")
        listed = owner.get(page).text
        ids = re.findall(r'href="/evidence/(\d+)" download>Café photo\.png<', listed)
        check(len(ids) == 1, "the pledge's page lists the file by the name curl sent")
        if not ids:
            return 1

        # 2. Read back: the same bytes, an attachment named as sent.
        a = owner.get(f"/evidence/{ids[0]}")
        check(a.status == 200 and a.body == payload, f"the download is byte for byte what curl sent ({len(a.body)} of {len(payload)} bytes)")
        disposition = a.header("Content-Disposition") or ""
        # RFC 6266: a recipient that reads filename* (RFC 5987/2231) uses it; the plain filename is
        # the ASCII fallback for those that do not. Python's parser decodes both.
        parsed = email.message_from_string(f"Content-Disposition: {disposition}\n\n")
        params = parsed.get_params(header="content-disposition") or []
        extended = [email.utils.collapse_rfc2231_value(v) for k, v in params if k == "filename" and isinstance(v, tuple)]
        plain = [v for k, v in params if k == "filename" and isinstance(v, str)]
        check(params[:1] == [("attachment", "")] and extended == [name] and plain and all(ord(ch) < 128 for ch in plain[0]),
              f"Python's email parser reads an attachment named {name!r} (filename*), with an ASCII fallback: {disposition!r} -> {extended} / {plain}")
        check(a.header("Content-Type") == "image/png" and a.header("X-Content-Type-Options") == "nosniff" and a.header("Cache-Control") == "private, no-store",
              f"served as image/png with nosniff and no-store: {a.header('Content-Type')}, {a.header('Cache-Control')}")

        # 3. Too large: over the evidence limit on the upload path; over the ordinary limit elsewhere.
        big = os.path.join(work, "big.pdf")
        pathlib.Path(big).write_bytes(b"%PDF-1.4\n" + b" " * (10 * 1024 * 1024 + 100))
        owner.get(page)
        status, _ = curl_upload(port, owner, f"/records/{target}/evidence", big, "big.pdf")
        check(status in (413, 422), f"a file over 10 MB is refused: {status}")
        medium = os.path.join(work, "medium.pdf")
        pathlib.Path(medium).write_bytes(b"%PDF-1.4\n" + b" " * (2 * 1024 * 1024))
        owner.get(page)
        status, _ = curl_upload(port, owner, "/pledges/new", medium, "medium.pdf")
        check(status == 413, f"2 MB to an ordinary form is refused by the HTTP server: {status}")
        check(Client(port).get("/healthz").status == 200, "the server still answers")

        # 4. No CSRF token.
        status, _ = curl_upload(port, owner, f"/records/{target}/evidence", local, "again.png", csrf=False)
        check(status == 403, f"an upload without the CSRF token is refused: {status}")
        after = re.findall(r'href="/evidence/(\d+)" download>', owner.get(page).text)
        check("again.png" not in owner.get(page).text and "big.pdf" not in owner.get(page).text, f"nothing refused was kept ({len(after)} files listed)")

        # 5. Nobody else.
        check(Client(port).get(f"/evidence/{ids[0]}").status in (303, 401, 404), "a visitor cannot download it")
        other = Client(port)
        other.sign_in("contact-1")
        check(other.get(f"/evidence/{ids[0]}").status == 404, "another organisation's contact gets 404")
    finally:
        stop_serving(proc)
        shutil.rmtree(work, ignore_errors=True)
    print(f"upload peer: {'all passed' if not failures else f'{len(failures)} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
