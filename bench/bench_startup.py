"""Launch → first row, as a user sees it: ``roost`` in a real pseudo-terminal against a real emulator.

Cold: empty cache and data directories, so every incident comes from the console.
From cache: the same directories a second time, against an emulator that answers
only after a delay, so the first row can only come from the local cache.
Also: a bare Textual app's launch → first frame (the floor on this machine); Roost's launch → the
first frame, and → the whole feed loaded (cold); and Roost's RSS once the whole feed is in (cold)
and once the whole cache is read (restart), each after SETTLE_SECONDS.  Prints one
table, min / median / max of RUNS runs, in seconds or MiB, with the figures before issue 12 beside.
Roost runs from compiled bytecode, as installed (PYTHONDONTWRITEBYTECODE is dropped).

    .venv/bin/python bench/bench_startup.py [--sizes 10000 100000] [--runs 5] [--repository PATH]
        [--against PATH]

``--repository`` runs another checkout's ``tui`` (to put the figures before a change beside
those after it).  ``--against`` runs a second checkout in turn with the first, run by run (this
machine's speed drifts within minutes: figures taken an hour apart do not compare), and prints
its table after the first's, each median beside the first's (ratio: the first's / this one's).
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
TOKEN = "bench-startup-token-0a1b2c3d4e5f"
INCIDENTS_SHOWN = re.compile(rb"\xc2\xb7 ([1-9][0-9,]*) incidents")
FIRST_FRAME = b" Roost "  # the top bar's badge
LOADED = b"manual"  # the top bar once the whole feed is in (polling is off: --poll-interval 0)
CACHE_READ = b"loading incidents"  # the top bar once the cache is read, while the slow console is asked
SETTLE_SECONDS = 2.0
SLOW_CONSOLE_MS = 60_000
GIVE_UP_SECONDS = 300.0
#: Medians before issue 12 (tmux 80x24, same machine), by (measure, incidents).
PREVIOUS = {
    ("cold: first row", 10_000): 1.5, ("cold: first row", 100_000): 1.35,
    ("cold: whole feed", 10_000): 6.2, ("cold: whole feed", 100_000): 94.0,
    ("from cache: first row", 10_000): 2.7, ("from cache: first row", 100_000): 16.8,
    ("cold: RSS, whole feed (MiB)", 10_000): 264, ("cold: RSS, whole feed (MiB)", 100_000): 1_970,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_emulator(repository: Path, port: int, backlog: int, latency_ms: int = 0) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "emulator", "--port", str(port), "--token", TOKEN, "--backlog", str(backlog),
         "--rate", "0", "--seed", "5", "--latency", str(latency_ms)],
        cwd=repository, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    for line in process.stdout:
        if f"127.0.0.1:{port}".encode() in line:
            return process
    raise SystemExit(f"the emulator did not start: exit status {process.wait()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def run_roost(
    repository: Path, home: Path, port: int, *, until_loaded: bool, until_cache_read: bool = False
) -> tuple[float, float, float | None, float | None]:
    """(seconds to the first frame, to the first row, to the whole feed (cold) or the whole cache
    read (restart) or None, RSS in MiB SETTLE_SECONDS after either, or None), then q."""
    token_file = home / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    environment = {
        "HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24",
        **{f"XDG_{name}_HOME": str(home / name.lower()) for name in ("CONFIG", "CACHE", "DATA", "STATE")},
    }
    started = time.monotonic()
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.chdir(repository)
            os.environ.update(environment)
            os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
            os.execv(sys.executable, [sys.executable, "-m", "tui", "--console", f"http://127.0.0.1:{port}",
                                      "--token-file", str(token_file), "--poll-interval", "0"])
        finally:
            os._exit(127)
    output = b""
    first_frame = first_row = loaded = cache_read = rss = None
    try:
        while (loaded is None if until_loaded else cache_read is None if until_cache_read else first_row is None):
            if time.monotonic() - started > GIVE_UP_SECONDS:
                raise SystemExit(f"gave up after {GIVE_UP_SECONDS:g} s: {output[-200:]!r}")
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                try:
                    output += os.read(master, 1 << 20)
                except OSError:
                    raise SystemExit(f"roost ended early: {output[-300:]!r}") from None
                now = time.monotonic() - started
                if first_frame is None and FIRST_FRAME in output:
                    first_frame = now
                if first_row is None and INCIDENTS_SHOWN.search(output):
                    first_row = now
                if LOADED in output:
                    loaded = now
                if first_row is not None and CACHE_READ in output:
                    cache_read = now
        if until_loaded or until_cache_read:
            settled = time.monotonic() + SETTLE_SECONDS
            while time.monotonic() < settled:  # drained meanwhile: a full pty would hold Roost up
                if select.select([master], [], [], 0.05)[0]:
                    os.read(master, 1 << 20)
            rss = rss_mib(pid)
        os.write(master, b"q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not os.waitpid(pid, os.WNOHANG)[0]:
            try:
                select.select([master], [], [], 0.05) and os.read(master, 1 << 20)
            except OSError:
                pass
        else:
            pass
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(master)
    return first_frame, first_row, loaded if until_loaded else cache_read, rss


#: The floor on this machine: a Textual app that draws one line, launch → that line on screen.
BARE_TEXTUAL_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare app drawn")
Bare().run()
"""


def bare_textual_first_frame() -> float:
    """Seconds from launch to a bare Textual app's first frame, in a pty as Roost is run."""
    started = time.monotonic()
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.environ.update({"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"})
            os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
            os.execv(sys.executable, [sys.executable, "-c", BARE_TEXTUAL_APP])
        finally:
            os._exit(127)
    output = b""
    try:
        while b"bare app drawn" not in output:
            if time.monotonic() - started > GIVE_UP_SECONDS:
                raise SystemExit(f"the bare Textual app drew nothing: {output[-200:]!r}")
            if select.select([master], [], [], 0.01)[0]:
                output += os.read(master, 1 << 20)
        return time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(master)


MEASURES = (
    "cold: first frame", "cold: first row", "cold: whole feed", "from cache: first row",
    "from cache: whole cache read", "cold: RSS, whole feed (MiB)", "from cache: RSS, read (MiB)",
)


def measure(repository: Path, size: int, runs: int, cache_run_latency_ms: int,
            figures: dict[str, list[float]] | None = None) -> dict[str, list[float]]:
    """``runs`` cold starts then restarts from their cache; each figure's values added to ``figures``."""
    figures = figures if figures is not None else {name: [] for name in MEASURES}
    for _ in range(runs):
        port = free_port()
        with tempfile.TemporaryDirectory(prefix="roost-bench-") as directory:
            home = Path(directory)
            emulator = start_emulator(repository, port, size)
            try:
                first_frame, first_row, loaded, rss = run_roost(repository, home, port, until_loaded=True)
            finally:
                stop(emulator)
            figures["cold: first frame"].append(first_frame)
            figures["cold: first row"].append(first_row)
            figures["cold: whole feed"].append(loaded)
            figures["cold: RSS, whole feed (MiB)"].append(rss)
            slow = start_emulator(repository, port, size, latency_ms=cache_run_latency_ms)
            try:
                _, first_row, cache_read, rss = run_roost(repository, home, port, until_loaded=False, until_cache_read=True)
            finally:
                stop(slow)
            figures["from cache: first row"].append(first_row)
            figures["from cache: whole cache read"].append(cache_read)
            figures["from cache: RSS, read (MiB)"].append(rss)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repository", type=Path, default=REPOSITORY)
    parser.add_argument("--cache-run-latency", type=int, default=SLOW_CONSOLE_MS, metavar="MS",
                        help="the console's delay on the second start (0: a checkout that pings before drawing)")
    parser.add_argument("--against", type=Path, metavar="PATH",
                        help="another checkout, run in turn with --repository, compared with it")
    args = parser.parse_args()
    repositories = [args.repository, *([args.against] if args.against else [])]
    print(f"launch → first row in a pty, {args.runs} runs, seconds (min / median / max); "
          + " against ".join(map(str, repositories)))
    floor = [bare_textual_first_frame() for _ in range(args.runs)]
    print(f"{'—':>10}  {'bare Textual app: 1st frame':<28} {min(floor):7.2f} {statistics.median(floor):7.2f}"
          f" {max(floor):7.2f}", flush=True)
    for size in args.sizes:
        figures = {repository: {name: [] for name in MEASURES} for repository in repositories}
        for _ in range(args.runs):  # in turn, run by run
            for repository in repositories:
                measure(repository, size, 1, args.cache_run_latency, figures[repository])
        first = figures[args.repository]
        for repository in repositories:
            compared = repository != args.repository
            print(f"{repository}")
            print(f"{'incidents':>10}  {'measure':<28} {'min':>7} {'median':>7} {'max':>7}"
                  f" {'first' if compared else 'before':>7} {'ratio':>6}")
            for name, values in figures[repository].items():
                median = statistics.median(values)
                before = statistics.median(first[name]) if compared else PREVIOUS.get((name, size))
                shown = f"{before:7.2f} {before / median:5.2f}x" if before else f"{'—':>7} {'':>6}"
                print(f"{size:>10,}  {name:<28} {min(values):7.2f} {median:7.2f} {max(values):7.2f} {shown}",
                      flush=True)


if __name__ == "__main__":
    main()
