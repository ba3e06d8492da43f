#!/usr/bin/env python3
"""Coverage-guided fuzzing of the HTTP request parser, the multipart/form-data parser and the
workflow-definition loader.

Builds three libFuzzer targets with swiftc directly (the package's own build is untouched), runs
each for a bounded time over a scratch copy of its committed corpus, and fails if libFuzzer
reports a crash, a trap, a broken invariant (the entry points abort on one), a leak, a
timeout or running out of memory.

  Tests/Fuzz/HTTPRequestFuzz.swift          module HTTPServer (+ CSystem)
  Tests/Fuzz/MultipartFuzz.swift            module HTTPServer (+ CSystem)
  Tests/Fuzz/WorkflowDefinitionFuzz.swift   module Engine (+ SQLite, CSQLite, CSystem)
  Tests/Fuzz/corpus/{http,multipart,workflow}/  committed seed corpora (minimised with -merge=1)
  Tests/Fuzz/{http,multipart,workflow}.dict     libFuzzer dictionaries

How a target is built, as SwiftPM would build it but with the sanitizers on: each library
module the entry point needs is compiled on its own (whole-module, -parse-as-library, the
package's upcoming features, -I for the C module maps) into an object and a .swiftmodule;
the entry point is then compiled as its own module that imports them, so it sees only their
public API, just as the CLI does, and `public import`/`internal import` mean what they mean
in the package. Everything is compiled with -sanitize=fuzzer,address (coverage counters,
comparison tracing, ASan) and linked with libFuzzer's main. Outputs go to .build/fuzz/
(ignored by git); modules whose sources and flags have not changed are not rebuilt.

libFuzzer comes with the Swift toolchain (lib/swift/clang/lib/linux/libclang_rt.fuzzer-*.a).
If a toolchain lacks it, the script installs Debian's libclang-rt-dev with apt-get and links
that copy instead (compiling with -sanitize=address and -sanitize-coverage).

Usage:
  Tests/proof/check_fuzz.py                 build all three, fuzz each for 45 s, side by side
                                            (on two cores each gets about two thirds of one;
                                            the run takes 45 s, as it did with two targets)
  Tests/proof/check_fuzz.py --time 300      fuzz longer
  Tests/proof/check_fuzz.py --target http   one target
  Tests/proof/check_fuzz.py --merge         after fuzzing, re-minimise the committed corpus
                                            (-merge=1) from the committed seeds plus what
                                            this run found
  Tests/proof/check_fuzz.py --reproduce FILE --target http
                                            run one input and show what happens
  Tests/proof/check_fuzz.py --build-only    build (or check the builds are current) and stop

Last line: `fuzz: N passed, M failed`. Exit status 0 when every target passed.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".build" / "fuzz"
FUZZ = ROOT / "Tests" / "Fuzz"

# The package's settings for every Swift target (Package.swift), then the fuzzing ones.
SWIFT_FLAGS = ["-swift-version", "6", "-enable-upcoming-feature", "ExistentialAny",
               "-enable-upcoming-feature", "InternalImportsByDefault", "-O", "-g", "-parse-as-library"]


class Module:
    def __init__(self, name, sources, c_modules=(), deps=()):
        self.name, self.sources, self.c_modules, self.deps = name, sources, list(c_modules), list(deps)

    def files(self):
        return sorted((ROOT / self.sources).rglob("*.swift"))


MODULES = {
    "HTTPServer": Module("HTTPServer", "Sources/HTTPServer", c_modules=["Sources/CSystem"]),
    "SQLite": Module("SQLite", "Sources/SQLite", c_modules=["Sources/CSQLite"]),
    "Engine": Module("Engine", "Sources/Engine", c_modules=["Sources/CSQLite", "Sources/CSystem"], deps=["SQLite"]),
}


class Target:
    def __init__(self, name, entry, modules, libs, max_len, env=None):
        self.name, self.entry, self.modules, self.libs, self.max_len = name, entry, modules, libs, max_len
        self.env = env or {}

    @property
    def corpus(self):
        return FUZZ / "corpus" / self.name

    @property
    def dictionary(self):
        return FUZZ / f"{self.name}.dict"

    @property
    def binary(self):
        return BUILD / "bin" / f"fuzz-{self.name}"


TARGETS = {
    "http": Target("http", "Tests/Fuzz/HTTPRequestFuzz.swift", ["HTTPServer"], ["-lcrypt"], max_len=4096),
    "multipart": Target("multipart", "Tests/Fuzz/MultipartFuzz.swift", ["HTTPServer"], ["-lcrypt"], max_len=4096),
    "workflow": Target("workflow", "Tests/Fuzz/WorkflowDefinitionFuzz.swift", ["SQLite", "Engine"], ["-lsqlite3"],
                       max_len=16384, env={"FLOURISH_WORKFLOWS": str(ROOT / "Workflows")}),
}

PRINT_LOCK = threading.Lock()


def say(*parts):
    with PRINT_LOCK:
        print(*parts, flush=True)


# MARK: - Toolchain

def swiftc_path():
    found = shutil.which("swiftc")
    if found:
        return found
    for candidate in ("/opt/swift/usr/bin/swiftc", "/usr/bin/swiftc"):
        if os.access(candidate, os.X_OK):
            return candidate
    sys.exit("check_fuzz: swiftc not found on PATH")


def target_info(swiftc):
    info = json.loads(subprocess.run([swiftc, "-print-target-info"], capture_output=True, text=True, check=True).stdout)
    return info["target"]["triple"], Path(info["paths"]["runtimeResourcePath"])


def debian_libfuzzer():
    """libFuzzer from Debian's compiler-rt, installed with apt-get if absent."""
    def find():
        hits = sorted(Path("/usr/lib").glob("llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a"))
        hits += sorted(Path("/usr/lib").glob("llvm-*/lib/clang/*/lib/x86_64-pc-linux-gnu/libclang_rt.fuzzer.a"))
        return hits[-1] if hits else None
    lib = find()
    if lib is None and shutil.which("apt-get"):
        say("check_fuzz: the toolchain has no libFuzzer; installing Debian's libclang-rt-dev")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        subprocess.run(sudo + ["apt-get", "install", "-y", "--no-install-recommends", "libclang-rt-dev"], env=env)
        lib = find()
        if lib is None:
            subprocess.run(sudo + ["apt-get", "update"], env=env)
            subprocess.run(sudo + ["apt-get", "install", "-y", "--no-install-recommends", "libclang-rt-dev"], env=env)
            lib = find()
    return lib


def sanitizer_flags(swiftc):
    """(compile flags, extra link flags). The toolchain's libFuzzer when it has one, else Debian's."""
    triple, resource = target_info(swiftc)
    arch = triple.split("-")[0]
    override = os.environ.get("FLOURISH_LIBFUZZER")  # a libclang_rt.fuzzer .a to link instead
    toolchain_lib = resource / "clang" / "lib" / "linux" / f"libclang_rt.fuzzer-{arch}.a"
    if not override and toolchain_lib.exists():
        return ["-sanitize=fuzzer,address"], []
    lib = Path(override) if override else debian_libfuzzer()
    if lib is None or not lib.exists():
        sys.exit("check_fuzz: no libFuzzer runtime: neither the toolchain's "
                 f"{toolchain_lib} nor Debian's libclang-rt-dev (apt-get install libclang-rt-dev)")
    say(f"check_fuzz: linking libFuzzer from {lib}")
    coverage = ["-sanitize=address", "-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp"]
    return coverage, ["-Xlinker", str(lib), "-lstdc++", "-lm"]


def linker_flags(swiftc):
    # lld ships with the toolchain; gold (the default) prints a warning per ASan helper symbol.
    return ["-use-ld=lld"] if (Path(swiftc).parent / "ld.lld").exists() else []


# MARK: - Building

def run_logged(cmd, log):
    started = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write_text(" ".join(cmd) + "\n\n" + proc.stdout)
    return proc.returncode, proc.stdout, time.monotonic() - started


def toolchain_version(swiftc, _cache={}):
    if swiftc not in _cache:
        _cache[swiftc] = subprocess.run([swiftc, "--version"], capture_output=True, text=True).stdout
    return _cache[swiftc]


def stamp_of(cmd, inputs):
    """What a build step depends on: its command, the toolchain, its inputs' contents."""
    h = hashlib.sha256("\0".join(cmd + [toolchain_version(cmd[0])]).encode())
    for f in inputs:
        h.update(str(f).encode())
        h.update(Path(f).read_bytes())
    return h.hexdigest()


def build_module(swiftc, module, san):
    """Compiles one library module (its dependencies first); returns its object file, or None."""
    mods, objs, logs = BUILD / "modules", BUILD / "obj", BUILD / "logs"
    for d in (mods, objs, logs):
        d.mkdir(parents=True, exist_ok=True)
    obj = objs / f"{module.name}.o"
    cmd = [swiftc] + SWIFT_FLAGS + san + ["-wmo", "-suppress-warnings", "-module-name", module.name,
                                          "-emit-module", "-emit-module-path", str(mods / f"{module.name}.swiftmodule"),
                                          "-I", str(mods)]
    for c in module.c_modules:
        cmd += ["-I", str(ROOT / c)]
    cmd += ["-c"] + [str(f) for f in module.files()] + ["-o", str(obj)]
    inputs = module.files() + [ROOT / c / "module.modulemap" for c in module.c_modules]
    inputs += [mods / f"{d}.swiftmodule" for d in module.deps]
    built = build_step(module.name, cmd, inputs, obj, objs / f"{module.name}.stamp", logs / f"{module.name}.log", "compiled", "compile")
    return obj if built else None


def build_step(name, cmd, inputs, output, stamp_file, log, done, failed):
    """Runs `cmd` unless `output` was made by the same command from the same inputs (its stamp
    says so); says what happened; True when `output` is there and current."""
    stamp = stamp_of(cmd, inputs)
    if output.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        say(f"  {name}: up to date")
        return True
    rc, out, secs = run_logged(cmd, log)
    if rc != 0:
        say(f"  {name}: FAILED to {failed} ({secs:.0f} s)\n    {' '.join(cmd)}\n{out[-4000:]}")
        return False
    stamp_file.write_text(stamp)
    say(f"  {name}: {done} in {secs:.1f} s")
    return True


def build_target(swiftc, target, san, extra_link, module_objects):
    bins, logs = BUILD / "bin", BUILD / "logs"
    bins.mkdir(parents=True, exist_ok=True)
    objs = [module_objects[m] for m in target.modules]
    if any(o is None for o in objs):
        return False
    cmd = [swiftc] + SWIFT_FLAGS + san + linker_flags(swiftc) + [
        "-module-name", "Fuzz" + target.name.capitalize(), "-I", str(BUILD / "modules")]
    c_modules = sorted({c for m in target.modules for c in MODULES[m].c_modules})
    for c in c_modules:
        cmd += ["-I", str(ROOT / c)]
    cmd += [str(ROOT / target.entry)] + [str(o) for o in objs] + target.libs + extra_link + ["-o", str(target.binary)]
    return build_step(f"fuzz-{target.name}", cmd, [ROOT / target.entry] + objs, target.binary, bins / f"fuzz-{target.name}.stamp",
                      logs / f"fuzz-{target.name}.log", "compiled and linked", "build")


def build(targets):
    swiftc = swiftc_path()
    san, extra_link = sanitizer_flags(swiftc)
    started = time.monotonic()
    say(f"check_fuzz: building {', '.join('fuzz-' + t.name for t in targets)} with {swiftc} {' '.join(san)}")
    needed = []
    for t in targets:
        for m in t.modules:
            if m not in needed:
                needed.append(m)
    # Two chains side by side (2 cores): HTTPServer; SQLite then Engine.
    objects = {}

    def chain(names):
        for n in names:
            objects[n] = build_module(swiftc, MODULES[n], san)
    chains = [[n for n in needed if n == "HTTPServer"], [n for n in needed if n != "HTTPServer"]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(chain, [c for c in chains if c]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        ok = list(pool.map(lambda t: build_target(swiftc, t, san, extra_link, objects), targets))
    say(f"check_fuzz: built in {time.monotonic() - started:.0f} s")
    return ok


# MARK: - Fuzzing

ARTIFACT_KINDS = ("crash-", "leak-", "timeout-", "oom-")


def hexdump(data, limit=256):
    lines = []
    for off in range(0, min(len(data), limit), 16):
        chunk = data[off:off + 16]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"    {off:04x}  {chunk.hex(' '):<47}  {text}")
    if len(data) > limit:
        lines.append(f"    … {len(data) - limit} more bytes ({len(data)} in all)")
    return "\n".join(lines)


def fuzz_env(target):
    env = dict(os.environ)
    env.update(target.env)
    # The Swift runtime's own crash backtracer would take the signal from libFuzzer (and can
    # hang on a sanitizer build); libFuzzer and ASan report crashes here.
    env["SWIFT_BACKTRACE"] = "enable=no"
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1:symbolize=1")
    symbolizer = Path(swiftc_path()).parent / "llvm-symbolizer"
    if symbolizer.exists():
        env.setdefault("ASAN_SYMBOLIZER_PATH", str(symbolizer))
    return env


def interesting_lines(log):
    keep = []
    for line in log.splitlines():
        if (line.startswith("FUZZ INVARIANT BROKEN") or "ERROR: " in line or line.startswith("SUMMARY:")
                or line.startswith("Fatal error") or "Fatal error:" in line or re.match(r"\s+#\d+ 0x", line)):
            keep.append(line[:600])
    # Stack frames: keep the first ones after the libFuzzer and abort frames.
    frames = [l for l in keep if re.match(r"\s+#\d+ 0x", l)]
    useful = [l for l in frames if ".swift" in l or " $s" in l or "LLVMFuzzerTestOneInput" in l][:12]
    return [l for l in keep if not re.match(r"\s+#\d+ 0x", l)] + useful


def fuzz(target, seconds, merge):
    run = BUILD / "run" / target.name
    shutil.rmtree(run, ignore_errors=True)
    corpus, artifacts = run / "corpus", run / "artifacts"
    artifacts.mkdir(parents=True)
    shutil.copytree(target.corpus, corpus)  # CI never writes to the committed corpus
    seeds = len(list(corpus.iterdir()))
    cmd = [str(target.binary), f"-max_total_time={seconds}", "-timeout=5", "-rss_limit_mb=2048",
           f"-max_len={target.max_len}", "-print_final_stats=1", "-reload=0",
           f"-artifact_prefix={artifacts}/"]
    if target.dictionary.exists():
        cmd.append(f"-dict={target.dictionary}")
    cmd.append(str(corpus))
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                              env=fuzz_env(target), timeout=seconds + 120)
        log, status = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as stuck:  # libFuzzer itself stuck: its own -timeout did not fire
        output = stuck.stdout or b""
        log = (output.decode(errors="replace") if isinstance(output, bytes) else output) + "\nERROR: check_fuzz: libFuzzer did not stop; killed\n"
        status = -1
    elapsed = time.monotonic() - started
    (run / "fuzz.log").write_text(" ".join(cmd) + "\n\n" + log)

    def stat(name):
        m = re.search(rf"stat::{name}:\s+(\d+)", log)
        return int(m.group(1)) if m else 0
    execs = stat("number_of_executed_units")
    progress = [l for l in log.splitlines() if re.match(r"#\d+\s", l) and " cov: " in l]
    cov = re.search(r"cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", progress[-1]) if progress else None
    inited = next((l for l in progress if "INITED" in l), "")
    seed_cov = re.search(r"cov: (\d+)", inited)
    pcs = re.search(r"\((\d+) inline 8-bit counters\)", log)
    summary = (f"{execs} runs in {elapsed:.0f} s ({execs / max(elapsed, 1e-9):.0f}/s)"
               + (f", coverage {cov.group(1)} of {pcs.group(1) if pcs else '?'} edges (seeds alone {seed_cov.group(1) if seed_cov else '?'}), "
                  f"{cov.group(2)} features, corpus {seeds} → {cov.group(3)} inputs ({cov.group(4)})" if cov else ""))
    found = sorted(p for p in artifacts.iterdir() if p.name.startswith(ARTIFACT_KINDS))
    failed = bool(found) or status != 0
    if failed:
        keep = BUILD / "findings" / target.name
        keep.mkdir(parents=True, exist_ok=True)
        lines = [f"FAIL fuzz-{target.name}: {summary}; libFuzzer exit status {status}"]
        lines += ["  " + l for l in interesting_lines(log)]
        for p in found:
            saved = keep / p.name
            shutil.copy(p, saved)
            data = p.read_bytes()
            lines.append(f"  {p.name.split('-')[0]} input saved to {saved.relative_to(ROOT)} ({len(data)} bytes):")
            lines.append(hexdump(data))
            lines.append(f"  reproduce: {Path(sys.argv[0]).as_posix()} --target {target.name} --reproduce {saved.relative_to(ROOT)}")
        if not found:
            lines.append(f"  no input was saved; the log is {(run / 'fuzz.log').relative_to(ROOT)}")
            lines += ["  " + l for l in log.strip().splitlines()[-15:]]
        say("\n".join(lines))
    else:
        say(f"ok   fuzz-{target.name}: {summary}")
    if merge and not failed:
        merge_corpus(target, corpus)
    return not failed


def merge_corpus(target, found):
    """Re-minimises the committed corpus from itself plus what this run found.

    The hand-made seeds (`seed-*`: real requests, the shipped definitions, small broken ones)
    are always kept; libFuzzer's -merge=1 adds the fewest other inputs that reach every edge
    they do not. Counters are left out of the merge (-use_counters=0), so an input is kept for a
    new edge, not for running an edge a new number of times: that keeps the corpus to a few
    hundred files.
    """
    fresh = BUILD / "run" / target.name / "merged"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    for seed in target.corpus.glob("seed-*"):
        shutil.copy(seed, fresh / seed.name)
    cmd = [str(target.binary), "-merge=1", "-use_counters=0", f"-max_len={target.max_len}", str(fresh), str(target.corpus), str(found)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=fuzz_env(target))
    if proc.returncode != 0:
        say(f"  merge failed:\n{proc.stdout[-2000:]}")
        return
    shutil.rmtree(target.corpus)
    shutil.copytree(fresh, target.corpus)
    files = list(target.corpus.iterdir())
    say(f"  corpus {target.corpus.relative_to(ROOT)}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes")


def reproduce(target, path):
    env = fuzz_env(target)
    proc = subprocess.run([str(target.binary), "-timeout=5", "-rss_limit_mb=2048", str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=env)
    data = Path(path).read_bytes()
    say(f"input {path} ({len(data)} bytes):\n{hexdump(data)}")
    say("\n".join(l for l in proc.stdout.splitlines() if not l.startswith("INFO:")))
    return proc.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time", type=int, default=45, help="seconds of fuzzing per target (default 45)")
    ap.add_argument("--target", choices=sorted(TARGETS), action="append", help="fuzz only this target (repeatable)")
    ap.add_argument("--merge", action="store_true", help="re-minimise the committed corpus afterwards")
    ap.add_argument("--reproduce", metavar="FILE", help="run one input through --target and show the result")
    ap.add_argument("--sequential", action="store_true", help="fuzz one target at a time")
    ap.add_argument("--build-only", action="store_true", help="build the targets and stop")
    args = ap.parse_args()
    targets = [TARGETS[n] for n in (args.target or sorted(TARGETS))]
    if args.reproduce and len(targets) != 1:
        ap.error("--reproduce needs exactly one --target")

    started = time.monotonic()
    built = build(targets)
    results = {}
    for t, ok in zip(targets, built):
        if not ok:
            results[t.name] = False
    runnable = [t for t in targets if t.name not in results]
    if args.build_only:
        print(f"fuzz: {len(runnable)} passed, {len(results)} failed (built only)")
        return 0 if not results else 1
    if args.reproduce:
        ok = bool(runnable) and reproduce(runnable[0], args.reproduce)
        print(f"fuzz: {int(ok)} passed, {int(not ok)} failed")
        return 0 if ok else 1
    say(f"check_fuzz: fuzzing {', '.join('fuzz-' + t.name for t in runnable)} for {args.time} s each")
    # All side by side: libFuzzer stops on wall-clock time, so the run takes --time however
    # many targets there are; on two cores each of three gets about two thirds of a core.
    with ThreadPoolExecutor(max_workers=1 if args.sequential else max(1, len(runnable))) as pool:
        for t, ok in zip(runnable, pool.map(lambda t: fuzz(t, args.time, args.merge), runnable)):
            results[t.name] = ok
    passed = sum(1 for ok in results.values() if ok)
    failed = len(results) - passed
    say(f"check_fuzz: {time.monotonic() - started:.0f} s in all")
    print(f"fuzz: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
