#!/usr/bin/env python3
"""Checks the multipart/form-data parser (Sources/HTTPServer/MultipartFormData.swift) against
real peers: bodies curl writes, read by Python's email parser.

The bodies:
  - curl -F, real bytes: a small socket server on 127.0.0.1 records each request curl sends
    and answers 200; the Content-Type header and the body (de-chunked if need be) are taken
    from the capture. Files are made from a seeded random generator, so they are the same on
    every run. curl's boundary is random: it is replaced, in the header and the body, by a
    fixed one of the same length, after checking that it occurs only as a delimiter (and the
    fixed one not at all), so the fixture is the same on every run.
  - hand-written bodies: what browsers send, and hostile or odd shapes (preamble and epilogue,
    transport padding, LF-only lines, no close delimiter, a quoted boundary, upper-case
    headers, parts with no name or no Content-Disposition, "--boundary" not at a line start,
    an empty form, folded headers, filename* and Windows paths).

What each body means comes from Python's email parser: BytesParser(policy=email.policy.HTTP)
fed "Content-Type: …\\r\\nMIME-Version: 1.0\\r\\n\\r\\n" and the body; for each part of
msg.iter_parts(): get_param('name', header='content-disposition'), get_filename(),
get_content_type() when the part has a Content-Type header (else none), and
get_payload(decode=True). Python reads a body cleanly when it is multipart and neither the
message nor any part has a defect; it reads on past most defects, so a body Flourish refuses
and Python reads as multipart at all is a difference, and needs a reason.

Byte-exact bodies: the expected bytes of each part are the raw bytes between its empty line and
the CRLF of the next delimiter, found here by a plain regular-expression split, independently of
the email parser; the script fails if Python's payload differs from them for any case Python
accepts. (Python's feedparser keeps a text part's line ends as sent, bare CR and LF included,
and strips only the line end before the boundary, so today they agree everywhere.)

Where Flourish deliberately reads a body differently from Python, the case names the reason,
and the fixture records Python's reading beside Flourish's ("python", "differsFromPython").
The script fails if a case differs from Python without a reason, or gives a reason but does
not differ. The reasons:

  unterminated         A body without the close delimiter is refused: it is a truncated or
                       broken upload, and its last part may be cut short. Python records
                       CloseBoundaryNotFoundDefect and keeps what it read.
  crlf-only            Lines end in CRLF (RFC 2046; browsers and curl never send anything else).
                       A bare LF or CR does not end a delimiter line, and a bare LF or CR before
                       "--boundary" does not make one, so those bytes are content; a body with
                       LF-only lines is refused. Python splits lines at CRLF, LF or CR alike.
  empty-form           "--boundary--" alone is an empty form, no parts: browsers send it for a
                       form with no fields. Python finds no start boundary.
  boundary-syntax      The boundary must be 1 to 70 bchars, not ending in a space (RFC 2046
                       §5.1.1). Python takes any string and strips trailing spaces.
  form-data-only       The request must be multipart/form-data; Python reads any multipart/*.
  filename-directory   A filename loses any directory part (up to the last / or \\), and "."
                       or ".." becomes "": never trust a client path. Python returns it as sent.
  backslash-escapes    In a quoted string a backslash escapes only tspecials, so an unescaped
                       Windows path (as old Internet Explorer sent it) keeps its backslashes,
                       and then loses its directory part; Go's mime package reads it so too.
                       Python's header parser drops every backslash.
  filename-star        filename* (RFC 5987) is preferred to filename, as RFC 6266 §4.3 advises;
                       only UTF-8 and ISO-8859-1 are read, and anything else is refused. Python
                       returns the plain filename, and decodes any charset it knows.
  unquoted-values      An unquoted parameter value runs to the next semicolon, trimmed (as
                       Python's compat32 parser, Go and PHP read it). Python's HTTP policy
                       silently cuts it at the first character not allowed in a token.
  disposition-required Every part needs Content-Disposition: form-data with a name (RFC 7578
                       §4.2). Python returns such parts with no name, or with another type.
  strict-headers       Part headers are read as strictly as request headers. Refused: a line
                       with no colon or a space before it, a first line that is a continuation,
                       headers not ended by an empty line, a control character other than tab,
                       a quoted string left open, Content-Disposition or Content-Type given
                       twice, a parameter given twice, a Content-Type that is not type/subtype.
                       Python reads on: a bad line starts the body, the first of duplicates
                       counts, a bad type reads as text/plain.
  transfer-encoding    A Content-Transfer-Encoding other than 7bit, 8bit or binary is refused
                       (RFC 7578 §4.7 deprecates it; browsers never send it). Python decodes
                       base64 and quoted-printable.

Refusals are recorded with the Swift error's code (MultipartError.code). The fixture,
Tests/HTTPServerTests/Fixtures/multipart-cases.json, holds each body in base64; the Swift tests
(MultipartFormDataTests) hold the parser to every case. Fails if the committed fixture differs
from what the peers say now; --write regenerates it. Needs Python's standard library and curl
(the fixture was made with curl 7.88, which writes a quote in a filename as %22).
"""
from peer_fixture import check_or_write
import base64, email.parser, email.policy, json, os, pathlib, queue, random, re, shutil, socket, subprocess, sys, tempfile, threading

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "HTTPServerTests" / "Fixtures" / "multipart-cases.json"

REASONS = {
    "unterminated": "a body without the close delimiter is refused; Python keeps what it read",
    "crlf-only": "only CRLF ends a line; Python also splits at a bare LF or CR",
    "empty-form": "'--boundary--' alone is an empty form; Python finds no start boundary",
    "boundary-syntax": "the boundary must be 1-70 bchars not ending in a space; Python takes any",
    "form-data-only": "only multipart/form-data is read; Python reads any multipart/*",
    "filename-directory": "a filename loses its directory part; Python returns the client's path",
    "backslash-escapes": "a backslash escapes only tspecials in a quoted string; Python drops every backslash",
    "filename-star": "filename* is preferred, UTF-8 or ISO-8859-1 only; Python returns the plain filename",
    "unquoted-values": "an unquoted value runs to the next semicolon; Python cuts it at the first non-token character",
    "disposition-required": "every part needs Content-Disposition: form-data with a name; Python reads on",
    "strict-headers": "malformed or duplicate part headers are refused; Python reads on",
    "transfer-encoding": "Content-Transfer-Encoding other than 7bit/8bit/binary is refused; Python decodes it",
}

# MARK: - curl

FIXED_BOUNDARY = "-" * 24 + "FlourishBoundary"  # curl 7.88's boundaries are 24 dashes and 16 hex digits


def expected(name, body, filename=None, content_type=None):
    return {"name": name, "filename": filename, "contentType": content_type, "body": body}


def curl_files():
    """Deterministic files, from a seeded generator."""
    rng = random.Random(20240531)
    near_miss = b"\r\n--" + FIXED_BOUNDARY.encode()[:-1] + b"x"  # one byte short of a delimiter once normalised
    binary = bytearray()
    for chunk in range(24):
        binary += rng.randbytes(rng.randrange(40, 400))
        binary += [b"\r\n", b"\r", b"\n", b"\x00", b"\r\n--", b"\r\n------------------------", near_miss,
                   b"--" + FIXED_BOUNDARY.encode()[:20], b"\r\n\r\n", b"\xff\xfe"][chunk % 10]
    return {
        "report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(3000) + b"\nendobj\r\n%%EOF\n",
        "evidence.bin": bytes(binary) + b"\r\n",
        "empty.txt": b"",
        "notes.txt": b"line one\r\nline two\nline three\r\n\r\n--not a boundary\r\nlast line\r",
        "photo.png": b"\x89PNG\r\n\x1a\n" + rng.randbytes(1500),
        "minutes.docx": b"PK\x03\x04" + rng.randbytes(2500),
        "value.txt": "Årsrapport — 日本語 ✓\r\nsecond line\r\n".encode(),
    }


FILES = curl_files()
NOTES = FILES["notes.txt"]

CURL_CASES = [
    dict(id="curl-text-fields", args=["-F", "title=Year-end report 2024", "-F", "organisation=Acme Community Trust", "-F", "empty=",
                                      "--form-string", "literal=@not-a-file;type=text/html", "--form-string", "semicolons=a;b;c"]),
    dict(id="curl-unicode-values", args=["-F", "comment=Très bien — 日本語 ✓ 🎉", "--form-string", "names=Zoë; Łukasz; Siân", "-F", "notes=<value.txt"]),
    dict(id="curl-pdf", args=["-F", "pledge=P-2024-017", "-F", "report=@report.pdf;type=application/pdf"]),
    dict(id="curl-empty-file", args=["-F", "evidence=@empty.txt", "-F", "after=x"]),
    dict(id="curl-binary", args=["-F", "evidence=@evidence.bin;type=application/octet-stream", "-F", "after=still here"]),
    dict(id="curl-text-file-line-ends", args=["-F", "notes=@notes.txt;type=text/plain;charset=utf-8"]),
    dict(id="curl-filenames", args=["-F", 'a=@notes.txt;filename="weird \\"name\\".txt"', "-F", 'b=@notes.txt;filename="semi;colon; x.txt"',
                                    "-F", 'c=@notes.txt;filename="résumé 日本.pdf"']),
    dict(id="curl-backslash-in-filename", args=["-F", 'a=@notes.txt;filename="back\\\\slash.txt"'], why="backslash-escapes",
         parts=[expected("a", NOTES, filename="slash.txt", content_type="text/plain")]),
    dict(id="curl-client-paths", args=["-F", "a=@notes.txt;filename=../../etc/passwd", "-F", "b=@notes.txt;filename=reports/2024/q4.pdf"],
         why="filename-directory"),
    dict(id="curl-several-files", args=["-F", "summary=Three files", "-F", "evidence=@report.pdf;type=application/pdf",
                                       "-F", "evidence=@photo.png;type=image/png",
                                       "-F", "evidence=@minutes.docx;type=application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                       "-F", "evidence=@empty.txt"]),
    dict(id="curl-custom-part-header", args=["-F", 'a=@notes.txt;headers="X-Note: kept"']),
]


class Recorder:
    """A loopback server that records each request's bytes and answers 200."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = queue.Queue()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(10)
                self.requests.put(self.read(conn))

    def read(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode()] = value.strip().decode("latin-1")
        if headers.get("expect", "").lower() == "100-continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                while b"\r\n" not in rest:
                    rest += conn.recv(65536)
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(rest) < size + 2:
                    rest += conn.recv(65536)
                body, rest = body + rest[:size], rest[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                rest += conn.recv(65536)
            body = rest[:length]
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return headers, body


def normalised(content_type, body):
    """curl's random boundary replaced by FIXED_BOUNDARY, once it is shown to occur only as a delimiter."""
    m = re.fullmatch(r"multipart/form-data; boundary=(-{24}[0-9a-f]{16})", content_type)
    if not m:
        sys.exit(f"check_multipart_peer: unexpected Content-Type from curl: {content_type!r}")
    curl_boundary = m.group(1).encode()
    delimiters = re.findall(rb"(?:^|\r\n)--" + re.escape(curl_boundary) + rb"(?:--)?\r\n", body)
    if body.count(curl_boundary) != len(delimiters) or FIXED_BOUNDARY.encode() in body:
        sys.exit("check_multipart_peer: curl's boundary occurs other than as a delimiter; cannot normalise")
    return "multipart/form-data; boundary=" + FIXED_BOUNDARY, body.replace(curl_boundary, FIXED_BOUNDARY.encode())


def curl_cases():
    if not shutil.which("curl"):
        sys.exit("check_multipart_peer: curl is needed (scripts/test installs it)")
    recorder = Recorder()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = pathlib.Path(tmp)
        for name, data in FILES.items():
            (directory / name).write_bytes(data)
        for case in CURL_CASES:
            args = case["args"]
            subprocess.run(["curl", "-s", "-S", "--noproxy", "*", "-o", os.devnull, "--max-time", "10"] + args + [f"http://127.0.0.1:{recorder.port}/upload"],
                           cwd=directory, check=True)
            headers, body = recorder.requests.get(timeout=10)
            content_type, body = normalised(headers["content-type"], body)
            extra = {k: case[k] for k in ("why", "parts") if k in case}
            cases.append(dict(id=case["id"], source="curl " + " ".join(args), contentType=content_type, body=body, **extra))
    return cases


# MARK: - Hand-written bodies

B = b"--XyZ"
END = B + b"--\r\n"
CT = "multipart/form-data; boundary=XyZ"


def cd(name=b'"a"', extra=b""):
    return b"Content-Disposition: form-data; name=" + name + extra + b"\r\n"


def part(headers, body):
    return B + b"\r\n" + headers + b"\r\n" + body + b"\r\n"


CHROME = b"----WebKitFormBoundary7MA4YWxkTrZu0gW"
FIREFOX = b"----geckoformboundary6c1e3a8b2f4d9e7a05c3b1d8f2e4a6c9"
HAND_CASES = [
    # What browsers send.
    dict(id="chrome-form-no-file-chosen", contentType="multipart/form-data; boundary=" + CHROME.decode(),
         body=b"--" + CHROME + b"\r\nContent-Disposition: form-data; name=\"pledge\"\r\n\r\nP-17\r\n--" + CHROME
         + b"\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--"
         + CHROME + b"--\r\n"),
    dict(id="firefox-form-utf8-filename", contentType="multipart/form-data; boundary=" + FIREFOX.decode(),
         body=b"--" + FIREFOX + b"\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nOn track\r\n\r\n--" + FIREFOX
         + "\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"Année 2024 – rapport.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n\x00\r\n".encode()
         + b"--" + FIREFOX + b"--\r\n"),
    dict(id="empty-form", contentType=CT, body=END, why="empty-form", parts=[]),
    # Framing.
    dict(id="preamble-and-epilogue", contentType=CT, body=b"This is a preamble.\r\n--XyZ not a delimiter\r\n" + part(cd(), b"x") + END + b"epilogue\r\n--XyZ\r\nignored"),
    dict(id="transport-padding", contentType=CT, body=B + b" \t \r\n" + cd() + b"\r\nx\r\n" + B + b"\t\r\n" + cd(b'"b"') + b"\r\ny\r\n" + B + b"-- \t\r\n"),
    dict(id="close-delimiter-at-end-of-body", contentType=CT, body=part(cd(), b"x") + B + b"--"),
    dict(id="boundary-like-text-in-content", contentType=CT,
         body=part(cd(), b"a --XyZ b\r\n--XyZz\r\n--XyZ--x\r\n-- XyZ\r\n--XyZ-\r\n\r\n--XyZ x") + END),
    dict(id="bodies-of-line-ends", contentType=CT, body=part(cd(), b"\r\n") + part(cd(b'"b"'), b"") + part(cd(b'"c"'), b"x\r") + part(cd(b'"d"'), b"\r\n\r\n") + END),
    dict(id="no-close-delimiter", contentType=CT, body=part(cd(), b"x") + B + b"\r\n" + cd(b'"b"') + b"\r\ny", why="unterminated", refused="multipart-unterminated"),
    dict(id="no-close-delimiter-after-newline", contentType=CT, body=part(cd(), b"x"), why="unterminated", refused="multipart-unterminated"),
    dict(id="close-delimiter-then-bare-lf", contentType=CT, body=part(cd(), b"x") + B + b"--\nepilogue", why="crlf-only", refused="multipart-unterminated"),
    dict(id="lf-only-line-ends", contentType=CT, body=(part(cd(), b"x") + END).replace(b"\r\n", b"\n"), why="crlf-only", refused="multipart-line-ends-not-crlf"),
    dict(id="cr-only-line-ends", contentType=CT, body=(part(cd(), b"x") + END).replace(b"\r\n", b"\r"), why="crlf-only", refused="multipart-line-ends-not-crlf"),
    dict(id="bare-lf-before-boundary-is-content", contentType=CT, body=part(cd(), b"x\n--XyZ\r\n" + cd(b'"b"') + b"\r\ny") + END,
         why="crlf-only", parts=[expected("a", b"x\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\ny")]),
    dict(id="no-boundary-line", contentType=CT, body=b"name=value&other=1", refused="multipart-missing-start-delimiter"),
    # The Content-Type and its boundary.
    dict(id="quoted-boundary-with-specials", contentType="multipart/form-data; boundary=\"a'()+_,-./:=? b\"",
         body=b"--a'()+_,-./:=? b\r\n" + cd() + b"\r\nx\r\n--a'()+_,-./:=? b--\r\n"),
    dict(id="upper-case-type-and-parameters", contentType="Multipart/Form-Data; Charset=UTF-8; BOUNDARY=XyZ", body=part(cd(), b"x") + END),
    dict(id="boundary-given-twice-first-wins", contentType=CT + "; boundary=other", body=part(cd(), b"x") + END),
    dict(id="not-form-data", contentType="application/x-www-form-urlencoded", body=b"a=1", refused="multipart-not-form-data"),
    dict(id="multipart-mixed", contentType="multipart/mixed; boundary=XyZ", body=part(cd(), b"x") + END, why="form-data-only", refused="multipart-not-form-data"),
    dict(id="no-boundary-parameter", contentType="multipart/form-data", body=part(cd(), b"x") + END, refused="multipart-missing-boundary"),
    dict(id="boundary-of-71-characters", contentType="multipart/form-data; boundary=" + "a" * 71,
         body=b"--" + b"a" * 71 + b"\r\n" + cd() + b"\r\nx\r\n--" + b"a" * 71 + b"--\r\n", why="boundary-syntax", refused="multipart-invalid-boundary"),
    dict(id="boundary-of-70-characters", contentType="multipart/form-data; boundary=" + "a" * 70,
         body=b"--" + b"a" * 70 + b"\r\n" + cd() + b"\r\nx\r\n--" + b"a" * 70 + b"--\r\n"),
    dict(id="boundary-ending-in-space", contentType="multipart/form-data; boundary=\"XyZ \"", body=B + b" \r\n" + cd() + b"\r\nx\r\n" + END,
         why="boundary-syntax", refused="multipart-invalid-boundary"),
    # Part headers.
    dict(id="upper-case-part-headers", contentType=CT,
         body=part(b"CONTENT-DISPOSITION: FORM-DATA; NAME=\"a\"; FILENAME=\"F.TXT\"\r\nCONTENT-TYPE: TEXT/PLAIN\r\n", b"x") + END),
    dict(id="content-type-with-parameters", contentType=CT, body=part(cd() + b"Content-Type: Text/HTML; charset=utf-8\r\n", b"<p>x</p>") + END),
    dict(id="folded-header", contentType=CT, body=part(b"Content-Disposition: form-data;\r\n\tname=\"a\";\r\n filename=\"f.txt\"\r\n", b"x") + END),
    dict(id="no-space-after-colon-and-semicolons", contentType=CT, body=part(b"content-disposition:form-data;name=a;filename=b.txt\r\n", b"x") + END),
    dict(id="spaces-around-equals-and-trailing-space", contentType=CT, body=part(b"Content-Disposition: form-data ; name = \"a\" ; filename = c.txt  \t\r\n", b"x") + END),
    dict(id="bare-parameter-skipped", contentType=CT, body=part(b"Content-Disposition: form-data; foo; name=a\r\n", b"x") + END),
    dict(id="no-name", contentType=CT, body=part(b"Content-Disposition: form-data; filename=\"a.txt\"\r\n", b"x") + END,
         why="disposition-required", refused="multipart-missing-name"),
    dict(id="no-content-disposition", contentType=CT, body=part(b"Content-Type: text/plain\r\n", b"x") + END,
         why="disposition-required", refused="multipart-missing-form-data-disposition"),
    dict(id="attachment-disposition", contentType=CT, body=part(b"Content-Disposition: attachment; name=\"a\"\r\n", b"x") + END,
         why="disposition-required", refused="multipart-missing-form-data-disposition"),
    dict(id="part-with-no-headers", contentType=CT, body=B + b"\r\n\r\nx\r\n" + END, why="disposition-required", refused="multipart-missing-form-data-disposition"),
    dict(id="empty-name", contentType=CT, body=part(cd(b'""'), b"x") + END),
    dict(id="header-line-without-colon", contentType=CT, body=part(cd() + b"garbage line\r\n", b"x") + END, why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="space-before-colon", contentType=CT, body=part(b"Content-Disposition : form-data; name=a\r\n", b"x") + END, why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="first-header-line-folded", contentType=CT, body=part(b" folded\r\n" + cd(), b"x") + END, why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="headers-not-ended-by-empty-line", contentType=CT, body=B + b"\r\n" + cd() + END, why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="control-character-in-filename", contentType=CT, body=part(cd(extra=b"; filename=\"a\x01b.txt\""), b"x") + END,
         why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="content-disposition-twice", contentType=CT, body=part(cd() + cd(b'"b"'), b"x") + END, why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="name-parameter-twice", contentType=CT, body=part(cd(extra=b"; name=\"b\""), b"x") + END, why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="content-type-not-a-media-type", contentType=CT, body=part(cd() + b"Content-Type: garbage\r\n", b"x") + END,
         why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="unterminated-quoted-name", contentType=CT, body=part(b"Content-Disposition: form-data; name=\"abc\r\n", b"x") + END,
         why="strict-headers", refused="multipart-malformed-part-header"),
    dict(id="transfer-encoding-base64", contentType=CT, body=part(cd() + b"Content-Transfer-Encoding: base64\r\n", b"aGVsbG8=") + END,
         why="transfer-encoding", refused="multipart-unsupported-transfer-encoding"),
    dict(id="transfer-encoding-binary", contentType=CT, body=part(cd() + b"Content-Transfer-Encoding: binary\r\n", b"\xff\x00\r\x01") + END),
    # Names and filenames.
    dict(id="escapes-in-quoted-strings", contentType=CT, body=part(cd(b'"a\\"b\\\\c;d"', b"; filename=\"q\\\"uote; semi.txt\""), b"x") + END),
    dict(id="filename-padded-with-spaces", contentType=CT, body=part(cd(extra=b"; filename=\"  spaced.txt \""), b"x") + END),
    dict(id="empty-filename", contentType=CT, body=part(cd(extra=b"; filename=\"\""), b"") + END),
    dict(id="unquoted-utf8-filename", contentType=CT, body=part(cd(b"a", "; filename=été.pdf".encode()), b"x") + END),
    dict(id="unquoted-filename-with-path", contentType=CT, body=part(cd(b"a", b"; filename=dir/x.txt"), b"x") + END,
         why="unquoted-values", parts=[expected("a", b"x", filename="x.txt")]),
    dict(id="path-traversal-filename", contentType=CT, body=part(cd(extra=b"; filename=\"../../etc/passwd\""), b"x") + END, why="filename-directory"),
    dict(id="dot-dot-filename", contentType=CT, body=part(cd(extra=b"; filename=\"..\""), b"x") + END, why="filename-directory"),
    dict(id="directory-only-filename", contentType=CT, body=part(cd(extra=b"; filename=\"dir/\""), b"x") + END, why="filename-directory"),
    dict(id="escaped-windows-path", contentType=CT, body=part(cd(extra=b"; filename=\"C:\\\\Users\\\\me\\\\report.pdf\""), b"x") + END, why="filename-directory"),
    dict(id="unescaped-windows-path", contentType=CT, body=part(cd(extra=b"; filename=\"C:\\Users\\me\\report.pdf\""), b"x") + END,
         why="backslash-escapes", parts=[expected("a", b"x", filename="report.pdf")]),
    dict(id="filename-star-utf8", contentType=CT, body=part(cd(extra=b"; filename*=UTF-8''%E2%82%AC%20rates%20%C3%A9t%C3%A9.pdf"), b"x") + END),
    dict(id="filename-star-latin1", contentType=CT, body=part(cd(extra=b"; filename*=iso-8859-1'fr'%E9t%E9.pdf"), b"x") + END),
    dict(id="filename-star-preferred", contentType=CT, body=part(cd(extra=b"; filename=\"plain.pdf\"; filename*=UTF-8''%C3%A9t%C3%A9.pdf"), b"x") + END,
         why="filename-star", parts=[expected("a", b"x", filename="été.pdf")]),
    dict(id="filename-star-other-charset", contentType=CT, body=part(cd(extra=b"; filename*=KOI8-R''%E9.pdf"), b"x") + END,
         why="filename-star", refused="multipart-malformed-part-header"),
]


# MARK: - Python's reading

def text(value):
    """A header value from the email parser as Unicode (undecodable bytes come back as surrogates)."""
    return None if value is None else value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def python_reading(content_type, body):
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    defects = [type(d).__name__ for d in msg.defects]
    if not msg.is_multipart():
        return {"multipart": False, "accepted": False, "defects": defects, "parts": []}
    parts = []
    for p in msg.iter_parts():
        defects += [type(d).__name__ for d in p.defects]
        parts.append({"name": text(p.get_param("name", header="content-disposition")), "filename": text(p.get_filename()),
                      "contentType": p.get_content_type() if "content-type" in p else None,
                      "body": p.get_payload(decode=True) or b""})
    return {"multipart": True, "accepted": not defects, "defects": defects, "parts": parts}


def raw_bodies(content_type, body):
    """Each part's bytes between its empty line and the CRLF of the next delimiter, by a plain
    split on the delimiter lines: the check that Python's payloads are the bytes as sent."""
    boundary = re.escape(email.message_from_string("Content-Type: " + content_type + "\n\n").get_boundary().encode())
    data = b"\r\n" + body
    delimiters = list(re.finditer(rb"\r\n--" + boundary + rb"(?:(--)[ \t]*(?:\r\n|\Z)|[ \t]*\r\n)", data))
    bodies = []
    for this, after in zip(delimiters, delimiters[1:]):
        if this.group(1):
            break
        segment = data[this.end():after.start()]
        bodies.append(segment[2:] if segment.startswith(b"\r\n") else segment.split(b"\r\n\r\n", 1)[-1])
    return bodies


def flourish_filename(name):
    """The filename rule (filename-directory): after the last / or \\, trimmed; "." and ".." become ""."""
    if name is None:
        return None
    base = re.split(r"[/\\]", name.strip())[-1].strip()
    return "" if base in (".", "..") else base


# MARK: - The fixture

def b64(data):
    return base64.b64encode(data).decode()


def encoded(parts):
    return [dict(p, body=b64(p["body"])) for p in parts]


def build(case):
    python = python_reading(case["contentType"], case["body"])
    out = {"id": case["id"]}
    if "source" in case:
        out["source"] = case["source"]
    out["contentType"] = case["contentType"]
    out["body"] = b64(case["body"])
    if "refused" in case:
        out["refused"] = case["refused"]
        differs = python["multipart"]  # Python read parts, defects or not
    elif "parts" in case:
        out["parts"] = encoded(case["parts"])
        differs = not python["accepted"] or case["parts"] != python["parts"]
    else:
        if not python["accepted"]:
            sys.exit(f"check_multipart_peer: {case['id']}: Python does not read this cleanly ({', '.join(python['defects'])}); "
                     "say what Flourish does and why")
        if raw_bodies(case["contentType"], case["body"]) != [p["body"] for p in python["parts"]]:
            sys.exit(f"check_multipart_peer: {case['id']}: Python's payloads are not the raw bytes between the delimiters")
        ours = [dict(p, filename=flourish_filename(p["filename"])) for p in python["parts"]]
        out["parts"] = encoded(ours)
        differs = ours != python["parts"]
    why = case.get("why")
    if differs and not why:
        sys.exit(f"check_multipart_peer: {case['id']}: Flourish's reading differs from Python's, with no reason given")
    if why and not differs:
        sys.exit(f"check_multipart_peer: {case['id']}: a reason ({why}) is given, but Flourish reads it as Python does")
    if why:
        out["differsFromPython"] = why + ": " + REASONS[why]
        reading = {"parts": encoded(python["parts"])} if python["multipart"] else {"refused": "not read as multipart"}
        out["python"] = dict(reading, defects=python["defects"]) if python["defects"] else reading
    return out


def main():
    cases = [build(c) for c in curl_cases() + HAND_CASES]
    ids = [c["id"] for c in cases]
    if len(set(ids)) != len(ids):
        sys.exit("check_multipart_peer: duplicate case ids")
    doc = {"about": "Generated by Tests/proof/check_multipart_peer.py: what Python's email parser reads in curl's and hand-written "
                    "multipart/form-data bodies, and where Flourish deliberately differs. Bodies are base64.",
           "cases": cases}
    text_out = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    differing = sum(1 for c in cases if "differsFromPython" in c)
    refused = sum(1 for c in cases if "refused" in c)
    return check_or_write(FIXTURE, text_out, "multipart peer check",
                          f"{len(cases)} bodies ({len(CURL_CASES)} from curl) agree with the fixture; {refused} refused, "
                          f"{differing} read deliberately differently from Python's email parser")


if __name__ == "__main__":
    sys.exit(main())
