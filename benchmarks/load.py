"""Many people on one server: concurrent Streamlit sessions reading the app, against one alone.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 and drives it with real websocket
sessions (the browser's own protocol: ``/_stcore/stream``, protobuf ``BackMsg`` /
``ForwardMsg``), no browser. Each session acts like a person reading: every 1-5 s (3 s on
average) it changes the histology filter or switches page, and waits for the rerun to finish.

1. Warm-up: one session visits every page under every histology the readers choose, so the
   server has seen every rerun (the caches a live server holds).
2. Single: one session reads alone for ``--single-duration`` seconds: the reference.
3. Load: ``--sessions`` sessions read at once for ``--duration`` seconds.

Reports the errors (a rerun that raised, showed an exception, did not finish in
``--timeout`` s, or a dropped connection), p50/p95 of the time per rerun (request sent → the
server's ``script_finished``) under load and alone, and the server's resident memory after the
warm-up and after the load (sessions closed). ``--json`` ends with one JSON line holding
``sessions``, ``errors``, ``p95_ms``, ``single_p95_ms`` and ``memory_growth_mb``. Everything stays
on 127.0.0.1 and is bounded: at most :data:`MAX_SESSIONS` sessions, :data:`MAX_DURATION` s.

    python benchmarks/load.py [--sessions 20] [--duration 120] [--json]

Goal: zero errors, p95 at most 2x the single session's, memory flat after the warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
MAX_SESSIONS = 50
MAX_DURATION = 300.0
HISTOLOGY_KEY = "filter_histology"
PAGES = ("compare", "forest", "safety", "evidence")
"""Pages the readers switch between (the ones a reader comes back to)."""
HISTOLOGIES = 4
"""Histology options the readers choose among (the first ones of the sidebar's list)."""
GOAL_P95_RATIO = 2.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Server:
    """``streamlit run app.py`` on 127.0.0.1, started and stopped by this benchmark."""

    def __init__(self, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        return self
            except OSError:
                time.sleep(0.25)
        self.__exit__()
        raise RuntimeError(f"the server did not start; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def rss_mb(self) -> float:
        assert self.process is not None
        return _rss_mb(self.process.pid)


@dataclass
class Stats:
    """Rerun times (seconds) and errors of one phase."""

    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float | None:
        if not self.times:
            return None
        if len(self.times) == 1:
            return 1000 * self.times[0]
        return 1000 * statistics.quantiles(self.times, n=100, method="inclusive")[int(q) - 1]


class Session:
    """One browser tab's websocket session, driven like the frontend drives it.

    Like the browser, it tells the server which cacheable messages it already holds, so that
    the server sends a reference instead of resending an unchanged chart or table.
    """

    def __init__(self, url: str, timeout: float) -> None:
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.timeout = timeout
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.page_hash = ""
        self.widget_ids: dict[str, str] = {}  # user key -> widget id
        self.options: dict[str, list[str]] = {}  # user key -> formatted options
        self.states: dict[str, WidgetState] = {}
        self.cached: set[str] = set()  # hashes of cacheable messages held, as a browser does
        self.ws: websockets.ClientConnection | None = None

    async def open(self) -> float:
        self.ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout
        )
        return await self.rerun()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self) -> float:
        """Ask for a rerun with the current page and widget states; seconds until it finished."""
        assert self.ws is not None
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(self.states.values())
        state.cached_message_hashes.extend(self.cached)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), self.timeout)
        return time.perf_counter() - start

    async def _until_finished(self) -> None:
        assert self.ws is not None
        exceptions = []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            if fwd.metadata.cacheable and fwd.hash:
                self.cached.add(fwd.hash)
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                pass
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                what = element.WhichOneof("type")
                if what == "exception":
                    exceptions.append(f"{element.exception.type}: {element.exception.message}")
                elif what == "selectbox" and element.selectbox.id.endswith(HISTOLOGY_KEY):
                    self.widget_ids[HISTOLOGY_KEY] = element.selectbox.id
                    self.options[HISTOLOGY_KEY] = list(element.selectbox.options)
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("the script did not compile")
                if exceptions:
                    raise RuntimeError("; ".join(exceptions))
                return

    def histology_choices(self) -> list[str]:
        return self.options.get(HISTOLOGY_KEY, [])[:HISTOLOGIES]

    async def choose_histology(self, option: str) -> float:
        state = WidgetState(id=self.widget_ids[HISTOLOGY_KEY], string_value=option)
        self.states[HISTOLOGY_KEY] = state
        return await self.rerun()

    async def go_to(self, page: str) -> float:
        self.page_hash = self.pages[page]
        return await self.rerun()


async def _act(session: Session, rng: random.Random) -> float:
    """One reader's action: a filter change or a page switch (half each)."""
    if rng.random() < 0.5:
        return await session.choose_histology(rng.choice(session.histology_choices()))
    return await session.go_to(rng.choice(PAGES))


async def warm_up(url: str, timeout: float) -> int:
    """Visit every reader page under every reader histology once; returns the reruns made."""
    session = Session(url, timeout)
    await session.open()
    runs = 1
    for page in PAGES:
        await session.go_to(page)
        for option in session.histology_choices():
            await session.choose_histology(option)
            runs += 2
    await session.close()
    return runs


async def read(
    url: str, seed: int, until: float, stats: Stats, timeout: float, start_delay: float = 0.0
) -> None:
    """One reader: connect, then act every 1-5 s until ``until`` (monotonic seconds)."""
    rng = random.Random(seed)
    await asyncio.sleep(start_delay)
    session = Session(url, timeout)
    try:
        await session.open()
        while True:
            pause = rng.uniform(1.0, 5.0)
            if time.monotonic() + pause >= until:
                break
            await asyncio.sleep(pause)
            try:
                stats.times.append(await _act(session, rng))
            except TimeoutError:
                stats.errors.append(f"session {seed}: a rerun did not finish in {timeout:.0f} s")
                break
            except (RuntimeError, KeyError) as err:
                stats.errors.append(f"session {seed}: {err}")
    except (OSError, websockets.WebSocketException, TimeoutError) as err:
        stats.errors.append(f"session {seed}: connection failed: {type(err).__name__}: {err}")
    finally:
        await session.close()


async def phase(url: str, sessions: int, duration: float, timeout: float, seed: int) -> Stats:
    stats = Stats()
    until = time.monotonic() + duration
    stagger = min(3.0, duration / 10)
    await asyncio.gather(
        *(
            read(url, seed + i, until, stats, timeout, start_delay=stagger * i / sessions)
            for i in range(sessions)
        )
    )
    return stats


def _text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument(
        "--single-duration", type=float, default=120.0, help="seconds alone (the reference)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per rerun")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be 1 to {MAX_SESSIONS}")
    if not 0 < args.duration <= MAX_DURATION or not 0 < args.single_duration <= MAX_DURATION:
        parser.error(f"durations must be at most {MAX_DURATION:.0f} s")

    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "server.log") as server:
        warm_runs = asyncio.run(warm_up(server.url, args.timeout))
        rss_warm = server.rss_mb()
        single = asyncio.run(phase(server.url, 1, args.single_duration, args.timeout, args.seed))
        rss_single = server.rss_mb()
        load = asyncio.run(
            phase(server.url, args.sessions, args.duration, args.timeout, args.seed + 1000)
        )
        rss_peak = server.rss_mb()
        time.sleep(2.0)  # closed sessions are dropped by the server
        rss_after = server.rss_mb()

    p50, p95 = load.percentile_ms(50), load.percentile_ms(95)
    single_p50, single_p95 = single.percentile_ms(50), single.percentile_ms(95)
    ratio = p95 / single_p95 if p95 and single_p95 else None
    errors = single.errors + load.errors
    ratio_text = "-" if ratio is None else f"{ratio:.2f}x"
    print(f"warm-up: {warm_runs} reruns; server memory {rss_warm:.0f} MB")
    print(
        f"single session: {len(single.times)} reruns, p50 {_text(single_p50)} ms, "
        f"p95 {_text(single_p95)} ms"
    )
    print(
        f"{args.sessions} sessions for {args.duration:.0f} s: {len(load.times)} reruns, "
        f"p50 {_text(p50)} ms, p95 {_text(p95)} ms ({ratio_text} single, "
        f"goal <= {GOAL_P95_RATIO}x)"
    )
    print(
        f"server memory: {rss_warm:.0f} MB after warm-up, {rss_single:.0f} MB after the single "
        f"session, {rss_peak:.0f} MB under load, {rss_after:.0f} MB after it"
    )
    print(f"errors: {len(errors)}")
    for line in errors[:20]:
        print(f"  {line}")
    if args.json:
        print(
            json.dumps(
                {
                    "sessions": args.sessions,
                    "duration_s": args.duration,
                    "reruns": len(load.times),
                    "errors": len(errors),
                    "p50_ms": _ms(p50),
                    "p95_ms": _ms(p95),
                    "single_p50_ms": _ms(single_p50),
                    "single_p95_ms": _ms(single_p95),
                    "p95_ratio": None if ratio is None else round(ratio, 2),
                    "memory_before_mb": round(rss_warm, 1),
                    "memory_peak_mb": round(rss_peak, 1),
                    "memory_after_mb": round(rss_after, 1),
                    "memory_growth_mb": round(rss_after - rss_warm, 1),
                    "cpu_count": os.cpu_count(),
                }
            )
        )
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
