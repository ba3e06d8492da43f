"""Starting `flourish serve --port 0` for the proof scripts: one place for the launch, the
threads that drain its output, and the wait for its "listening" line."""
import subprocess, threading, time


def start_serving(command, stdout, stderr, what, lock=None, timeout=60, cwd=None):
    """Starts `command` (a `flourish serve ... --port 0`), appends each line it prints to the
    `stdout` and `stderr` lists (under `lock` when given) from two threads, and waits up to
    `timeout` seconds for "Flourish is listening on http://HOST:PORT". Returns (process, port);
    exits naming `what` and the last lines printed when the server never says it listens."""
    lock = lock or threading.Lock()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    found, listening = [], threading.Event()

    def drain(stream, sink, watch):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with lock:
                sink.append(line)
            if watch and not found and "Flourish is listening on http://" in line:
                found.append(int(line.rsplit(":", 1)[1].strip().rstrip("/")))
                listening.set()
        stream.close()

    threading.Thread(target=drain, args=(proc.stdout, stdout, True), daemon=True).start()
    threading.Thread(target=drain, args=(proc.stderr, stderr, False), daemon=True).start()
    deadline = time.monotonic() + timeout
    while not listening.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            break
    if not found:
        raise SystemExit(f"{what}: the server did not say it was listening (exit {proc.poll()}); stdout {stdout[-5:]}, stderr {stderr[-5:]}")
    return proc, found[0]


def flourish_binary(what):
    """FLOURISH_BIN when set, else the debug build; exits naming `what` when it is missing."""
    import os, pathlib, sys
    root = pathlib.Path(__file__).resolve().parents[2]
    binary = os.environ.get("FLOURISH_BIN") or str(root / ".build" / "debug" / "flourish")
    if not os.path.exists(binary):
        sys.exit(f"{what}: {binary} does not exist: build flourish first (swift build), or set FLOURISH_BIN")
    return os.path.abspath(binary)


def stop_serving(proc):
    """SIGTERM, as an operator would; SIGKILL if it has not stopped within 10 seconds."""
    import signal
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
