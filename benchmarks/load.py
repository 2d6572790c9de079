"""Many people on one server: concurrent Streamlit sessions reading the app, against one alone.

Drives the app with real websocket sessions (the browser's own protocol: ``/_stcore/stream``,
protobuf ``BackMsg`` / ``ForwardMsg``), no browser. Each session acts like a person reading:
every 1-5 s (3 s on average) it changes what it reads or switches page, and waits for the rerun
to finish. The server is one of:

- by default, one ``streamlit run app.py`` started here on a free port of 127.0.0.1;
- ``--replicas 2,1``: ``make serve``'s balancer (``serve.supervisor``: nginx in front of that
  many replicas, on free ports) started here once per count, the whole run repeated for each;
- ``--url URL``: a server already running, e.g. ``make serve``'s (``--status`` names its
  ``status.json``, so that the replicas' memory is read and a replica can be killed).

Through the balancer a session behaves like a browser: its first request gets the balancer's
cookie, which then takes its websocket to the same replica (the ``X-TKI-Replica`` header says
which one). Readers are, by default, revisiting: they change the histology filter among four.
With ``--explore`` each reader opens random patients instead (histology × line × design ×
method preset, as the URL query a shared link carries), so most reruns meet cold caches, and
switches between the reader pages.

1. Warm-up: on every replica, one session visits every reader page under four histologies
   (imports done, the first charts built).
2. Single: one session reads alone for ``--single-duration`` seconds: the reference.
3. Load: ``--sessions`` sessions read at once for ``--duration`` seconds (arriving evenly over
   the first ``--ramp`` seconds). With
   ``--kill-after S`` the replica holding the most sessions is killed (SIGKILL) S seconds in:
   its sessions reconnect as a browser does (a new session on a live replica, the page and
   filters from the URL) and the supervisor must restart it.

Reports the errors (a rerun that raised, showed an exception, took more than ``--timeout`` s,
or a dropped connection other than the killed replica's), p50/p95 of the time per rerun (request
sent → the server's ``script_finished``) under load and alone, each replica's resident memory
after the warm-up, halfway through the load, at its end and after it, and for a kill: errors on
each side, the reconnections and the restart. ``--json`` ends with one JSON line per run.
Everything stays on 127.0.0.1 and is bounded: at most :data:`MAX_SESSIONS` sessions,
:data:`MAX_DURATION` s.

    python benchmarks/load.py [--sessions 20] [--duration 120] [--json]
    python benchmarks/load.py --explore --sessions 40 --replicas 2,1 --json
    python benchmarks/load.py --explore --sessions 40 --replicas 2 --kill-after 60 --json

Goal: zero errors, p95 at most 2x the single session's, memory flat after the warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report.params import BY_NAME, CUSTOM  # noqa: E402 (the app's own URL vocabulary)
from serve.supervisor import die_with_parent  # noqa: E402

MAX_SESSIONS = 50
MAX_DURATION = 300.0
HISTOLOGY_KEY = "filter_histology"
PAGES = ("compare", "forest", "safety", "evidence")
"""Pages the readers switch between (the ones a reader comes back to)."""
HISTOLOGIES = 4
"""Histology options the revisiting readers choose among (the first ones of the sidebar's)."""
EXPLORED = ("histology", "line", "design", "preset")
"""The URL settings an exploring reader draws at random (972 patients)."""
GOAL_P95_RATIO = 2.0
COOKIE = "tki_replica"
"""The balancer's affinity cookie (serve/nginx.conf.template)."""
REPLICA_HEADER = "X-TKI-Replica"
RECONNECT_S = 60.0
CONNECTION_ERRORS = (
    OSError,
    http.client.HTTPException,
    websockets.WebSocketException,
    TimeoutError,
)
"""A connection refused, reset or cut short, or a rerun past its time."""
SLOW_CAP = 5.0
"""A reader waits for a rerun up to this many times ``--timeout`` (a rerun past ``--timeout`` is
an error but its time is kept, so p95 shows how slow it got); past that the session gives up."""
"""How long a session whose replica died keeps trying to reconnect (a browser keeps trying)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float | None:
    """Resident memory of a process, in MB (Linux ``/proc``); None once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.read().decode().strip() == "ok"
    except (OSError, http.client.HTTPException):
        return False


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
            if _healthy(self.url):
                return self
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

    def replicas(self) -> dict[str, int]:
        """Replica (``host:port``) → pid."""
        assert self.process is not None
        return {f"127.0.0.1:{self.port}": self.process.pid}

    def status(self) -> dict[str, dict[str, object]]:
        return {}


class Running:
    """A server started by someone else (``--url``), with ``make serve``'s status file if given.

    Parameters
    ----------
    url : str
        Its base URL.
    status_file : Path or None
        The supervisor's ``status.json`` (replicas' ports, pids, states, restarts).
    """

    def __init__(self, url: str, status_file: Path | None) -> None:
        self.url = url.rstrip("/")
        self.status_file = status_file

    def __enter__(self) -> Running:
        if not _healthy(self.url):
            raise RuntimeError(f"{self.url}/_stcore/health does not answer ok")
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def status(self) -> dict[str, dict[str, object]]:
        """Replica (``127.0.0.1:PORT``) → its entry of ``status.json`` (empty without one)."""
        if self.status_file is None:
            return {}
        for _ in range(20):  # the supervisor replaces the file atomically; retry a torn read
            with contextlib.suppress(OSError, json.JSONDecodeError):
                data = json.loads(self.status_file.read_text())
                return {f"127.0.0.1:{r['port']}": r for r in data["replicas"]}
            time.sleep(0.05)
        raise RuntimeError(f"cannot read {self.status_file}")

    def replicas(self) -> dict[str, int]:
        """Replica → pid (empty when there is no status file)."""
        return {name: int(r["pid"]) for name, r in self.status().items() if r.get("pid")}


class Balancer(Running):
    """``python -m serve.supervisor`` (nginx + ``count`` replicas) on free ports, for one run."""

    def __init__(self, count: int, run_dir: Path) -> None:
        port = _free_port()
        super().__init__(f"http://127.0.0.1:{port}", run_dir / "status.json")
        self.count = count
        self.run_dir = run_dir
        self.log = run_dir / "supervisor.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = port

    def __enter__(self) -> Balancer:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "serve.supervisor", "--port", str(self.port),
            "--replicas", str(self.count), "--base-port", "0", "--run-dir", str(self.run_dir),
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,  # killed with this benchmark, however it ends
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.status_file is not None and self.status_file.exists() and _healthy(self.url):
                return self
            time.sleep(0.25)
        self.__exit__()
        raise RuntimeError(f"the balancer did not start; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


Target = Server | Running


@dataclass
class Record:
    """One rerun or error: when (monotonic s), on which replica, by which session."""

    at: float
    replica: str
    session: int
    seconds: float = 0.0
    error: str = ""
    slow: bool = False  # an error only by its time (past --timeout), not a failure


@dataclass
class Stats:
    """Rerun times and errors of one phase, by replica; drops and reconnections after a kill."""

    runs: list[Record] = field(default_factory=list)
    errors: list[Record] = field(default_factory=list)
    drops: list[Record] = field(default_factory=list)  # connection lost to a killed replica
    reconnects: list[tuple[str, str, float]] = field(default_factory=list)  # from, to, seconds
    kill: tuple[float, str, int, set[int]] | None = None  # at, replica, pid, its sessions
    restart_s: float | None = None

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    def percentile_ms(self, q: float, records: list[Record] | None = None) -> float | None:
        times = [r.seconds for r in (self.runs if records is None else records)]
        return _percentile_ms(times, q)


def _percentile_ms(times: list[float], q: float) -> float | None:
    if not times:
        return None
    if len(times) == 1:
        return 1000 * times[0]
    return 1000 * statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1]


class Session:
    """One browser tab's websocket session, driven like the frontend drives it.

    Like the browser, it first loads the page (through a balancer this sets the affinity
    cookie, sent with every later request), tells the server which cacheable messages it
    already holds (so an unchanged chart or table is sent as a reference), and keeps the URL's
    query string the app writes, sending it back with every rerun.
    """

    def __init__(self, url: str, timeout: float, query: str = "", cookie: str = "") -> None:
        self.url = url
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.timeout = timeout
        self.query = query
        self.cookie = cookie  # the balancer's affinity key, once the browser holds one
        self.replica = urllib.parse.urlsplit(url).netloc
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.page_hash = ""
        self.widget_ids: dict[str, str] = {}  # user key -> widget id
        self.options: dict[str, list[str]] = {}  # user key -> formatted options
        self.states: dict[str, WidgetState] = {}
        self.cached: set[str] = set()  # hashes of cacheable messages held, as a browser does
        self.ws: websockets.ClientConnection | None = None

    def _load_page(self) -> None:
        """GET the page as the browser does first: the balancer's cookie, the replica's name."""
        request = urllib.request.Request(f"{self.url}/?{self.query}")
        if self.cookie:
            request.add_header("Cookie", f"{COOKIE}={self.cookie}")
        with urllib.request.urlopen(request, timeout=self.timeout) as resp:
            resp.read()
            for header in resp.headers.get_all("Set-Cookie") or []:
                morsel = SimpleCookie(header).get(COOKIE)
                if morsel is not None:
                    self.cookie = morsel.value

    async def connect(self) -> None:
        """Load the page, then open the websocket (a new Streamlit session)."""
        await asyncio.to_thread(self._load_page)
        headers = {"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else None
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=self.timeout,
            additional_headers=headers,
        )
        assert self.ws.response is not None
        self.replica = self.ws.response.headers.get(REPLICA_HEADER, self.replica)
        self.cached.clear()  # a new session holds none of the old one's messages

    async def open(self) -> float:
        await self.connect()
        return await self.rerun()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self) -> float:
        """Ask for a rerun with the current page and widget states; seconds until it finished."""
        assert self.ws is not None
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(self.states.values())
        state.cached_message_hashes.extend(self.cached)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), SLOW_CAP * self.timeout)
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
            elif kind == "page_info_changed":  # the app wrote the URL (its filters)
                self.query = fwd.page_info_changed.query_string
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

    async def open_patient(self, query: str) -> float:
        """Open a link to another patient (its filters in the query string) on this page."""
        self.query = query
        return await self.rerun()

    async def go_to(self, page: str) -> float:
        self.page_hash = self.pages[page]
        return await self.rerun()


def random_patient(rng: random.Random) -> str:
    """A random patient state as the app's URL query (histology, line, design, preset)."""
    values = {}
    for name in EXPLORED:
        values[name] = rng.choice([o for o in BY_NAME[name].options if o != CUSTOM])
    return urllib.parse.urlencode(values)


async def _act(session: Session, rng: random.Random, explore: bool) -> float:
    """One reader's action: a filter change (or another patient) or a page switch (half each)."""
    if rng.random() < 0.5:
        if explore:
            return await session.open_patient(random_patient(rng))
        return await session.choose_histology(rng.choice(session.histology_choices()))
    return await session.go_to(rng.choice(PAGES))


async def warm_up(url: str, timeout: float, replicas: set[str]) -> int:
    """On every replica (``replicas``; empty: the one the URL reaches), visit every reader page
    under every revisiting histology once; returns the reruns made."""
    runs, warmed, tries = 0, set(), 0
    while tries < 10 * max(1, len(replicas)):
        tries += 1
        session = Session(url, timeout)
        await session.connect()
        if session.replica in warmed:  # the balancer's cookie chose a replica already warm
            await session.close()
            continue
        await session.rerun()
        runs += 1
        for page in PAGES:
            await session.go_to(page)
            for option in session.histology_choices():
                await session.choose_histology(option)
                runs += 2
        await session.close()
        warmed.add(session.replica)
        if warmed >= replicas:
            return runs
    raise RuntimeError(f"the warm-up reached {sorted(warmed)}, not every one of {sorted(replicas)}")


def _expected_drop(stats: Stats, session: Session) -> bool:
    return stats.kill is not None and session.replica == stats.kill[1]


async def _reconnect(session: Session, stats: Stats) -> None:
    """After a dropped connection: reconnect as the browser does, and redraw the page."""
    dropped_from, start = session.replica, time.monotonic()
    while True:
        try:
            session.ws = None
            await session.connect()
            await session.rerun()  # a new session: the page and its filters from the URL
            break
        except CONNECTION_ERRORS:
            if time.monotonic() - start > RECONNECT_S:
                raise
            await asyncio.sleep(0.5)
    stats.reconnects.append((dropped_from, session.replica, time.monotonic() - start))


async def read(
    url: str,
    seed: int,
    until: float,
    stats: Stats,
    timeout: float,
    explore: bool,
    sessions: dict[int, Session],
    start_delay: float = 0.0,
    cookie: str = "",
) -> None:
    """One reader: open the app (an exploring reader: at a random patient's link), then act
    every 1-5 s until ``until`` (monotonic seconds). Every rerun counts, the first one too.
    ``cookie``: the balancer's affinity cookie the reader's browser already holds."""
    rng = random.Random(seed)
    await asyncio.sleep(start_delay)
    session = Session(url, timeout, random_patient(rng) if explore else "", cookie)
    sessions[seed] = session

    def failed(message: str, slow: bool = False) -> None:
        stats.errors.append(
            Record(time.monotonic(), session.replica, seed, error=message, slow=slow)
        )

    try:
        await session.connect()
        action = session.rerun()
        while True:
            try:
                seconds = await action
                stats.runs.append(Record(time.monotonic(), session.replica, seed, seconds))
                if seconds > timeout:
                    late = f"a rerun took {seconds:.0f} s (limit {timeout:.0f} s)"
                    failed(f"session {seed}: {late}", slow=True)
            except websockets.ConnectionClosed as err:
                if not _expected_drop(stats, session):
                    raise
                stats.drops.append(Record(time.monotonic(), session.replica, seed, error=str(err)))
                await _reconnect(session, stats)
            except TimeoutError:
                failed(f"session {seed}: a rerun did not finish in {SLOW_CAP * timeout:.0f} s")
                break
            except (RuntimeError, KeyError) as err:
                failed(f"session {seed}: {err}")
            pause = rng.uniform(1.0, 5.0)
            if time.monotonic() + pause >= until:
                break
            await asyncio.sleep(pause)
            action = _act(session, rng, explore)
    except CONNECTION_ERRORS as err:
        failed(f"session {seed}: connection failed: {type(err).__name__}: {err}")
    finally:
        await session.close()


@dataclass
class Memory:
    """Resident memory (MB) of each replica, sampled while a phase runs: (monotonic s, pid, MB)."""

    samples: dict[str, list[tuple[float, int, float]]] = field(default_factory=dict)

    def sample(self, target: Target) -> None:
        now = time.monotonic()
        for name, pid in target.replicas().items():
            rss = _rss_mb(pid)
            if rss is not None:
                self.samples.setdefault(name, []).append((now, pid, rss))


async def _sample(target: Target, memory: Memory, until: float) -> None:
    while time.monotonic() < until:
        memory.sample(target)
        await asyncio.sleep(2.0)


async def _kill(target: Target, stats: Stats, sessions: dict[int, Session], after: float) -> None:
    """Kill (SIGKILL) the replica holding the most sessions ``after`` s in; time its restart."""
    await asyncio.sleep(after)
    pids = target.replicas()
    on: dict[str, set[int]] = {name: set() for name in pids}
    for number, session in sessions.items():
        on.setdefault(session.replica, set()).add(number)
    victim = max(pids, key=lambda name: len(on[name]))
    stats.kill = (time.monotonic(), victim, pids[victim], on[victim])
    os.kill(pids[victim], signal.SIGKILL)
    while True:  # the supervisor's restart: a new pid, answering its health check
        await asyncio.sleep(0.5)
        entry = target.status().get(victim, {})
        if entry.get("state") == "up" and entry.get("pid") != pids[victim]:
            stats.restart_s = time.monotonic() - stats.kill[0]
            return


def spread_cookies(url: str, per_replica: int, replicas: int, timeout: float = 30.0) -> list[str]:
    """Affinity cookies taking ``per_replica`` browsers to each of ``replicas`` replicas, in
    turn (the balancer gives a new browser a random key, so a few readers can all land on one
    replica): new keys are asked for until each replica has its share."""
    by_replica: dict[str, list[str]] = {}
    for _ in range(50 * per_replica * replicas):
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as resp:
            resp.read()
            replica = resp.headers.get("X-TKI-Replica", "")
            keys = [SimpleCookie(h).get(COOKIE) for h in resp.headers.get_all("Set-Cookie") or []]
        key = next((k.value for k in keys if k is not None), None)
        if key is not None and len(by_replica.setdefault(replica, [])) < per_replica:
            by_replica[replica].append(key)
        if len(by_replica) == replicas and all(len(v) == per_replica for v in by_replica.values()):
            return [c for pair in zip(*by_replica.values(), strict=True) for c in pair]
    raise RuntimeError(f"the balancer sent no {per_replica} new browsers to each replica")


async def phase(
    target: Target,
    sessions: int,
    duration: float,
    timeout: float,
    seed: int,
    explore: bool,
    memory: Memory,
    kill_after: float | None = None,
    ramp: float = 3.0,
    cookies: Sequence[str] = (),
) -> Stats:
    """``sessions`` readers for ``duration`` s, arriving evenly over ``ramp`` s (at most a tenth
    of the duration); with ``kill_after``, a replica is killed that many seconds in.
    ``cookies``: the balancer's affinity cookies of the first readers' browsers
    (:func:`spread_cookies`); the others get one on their first request."""
    stats = Stats()
    until = time.monotonic() + duration
    stagger = min(ramp, duration / 10)
    live: dict[int, Session] = {}
    given = list(cookies) + [""] * max(0, sessions - len(cookies))
    readers = [
        read(
            target.url,
            seed + i,
            until,
            stats,
            timeout,
            explore,
            live,
            stagger * i / sessions,
            cookie=given[i],
        )
        for i in range(sessions)
    ]
    tasks = [asyncio.ensure_future(r) for r in readers]
    sampler = asyncio.ensure_future(_sample(target, memory, until))
    killer = None
    if kill_after is not None:
        killer = asyncio.ensure_future(_kill(target, stats, live, kill_after))
    await asyncio.gather(*tasks, sampler)
    if killer is not None:
        try:
            await asyncio.wait_for(killer, 120)
        except TimeoutError:
            stats.errors.append(Record(time.monotonic(), "-", -1, error="no restart in 120 s"))
    return stats


def _text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def memory_rows(
    warm: Memory, load: Memory, after: Memory, load_start: float, load_end: float
) -> dict[str, dict[str, float | None]]:
    """Per replica: MB after the warm-up, halfway through the load, at its end and after it
    (None where the replica was not running then, or was a restarted process)."""
    rows = {}
    mid = (load_start + load_end) / 2
    for name, samples in warm.samples.items():
        first_pid = samples[-1][1]
        same = [s for s in load.samples.get(name, []) if s[1] == first_pid]
        later = [s for s in same if s[0] >= mid]
        tail = after.samples.get(name, [])
        rows[name] = {
            "after_warmup_mb": round(samples[-1][2], 1),
            "mid_load_mb": round(later[0][2], 1) if later else None,
            "end_load_mb": round(same[-1][2], 1) if same else None,
            "after_load_mb": round(tail[-1][2], 1) if tail and tail[-1][1] == first_pid else None,
            "peak_mb": round(max(s[2] for s in same), 1) if same else None,
        }
    return rows


def run(target: Target, args: argparse.Namespace, replicas: int | None) -> dict[str, object]:
    """Warm-up, single session, load (with a kill if asked) against ``target``; the results."""
    warm_runs = asyncio.run(warm_up(target.url, args.timeout, set(target.replicas())))
    warm = Memory()
    warm.sample(target)
    single_memory = Memory()
    single = asyncio.run(
        phase(target, 1, args.single_duration, args.timeout, args.seed, args.explore, single_memory)
    )
    load_memory = Memory()
    start = time.monotonic()
    load = asyncio.run(
        phase(
            target,
            args.sessions,
            args.duration,
            args.timeout,
            args.seed + 1000,
            args.explore,
            load_memory,
            args.kill_after,
            args.ramp,
        )
    )
    end = time.monotonic()
    time.sleep(2.0)  # closed sessions are dropped by the server
    after = Memory()
    after.sample(target)
    memory = memory_rows(warm, load_memory, after, start, end)

    p50, p95 = load.percentile_ms(50), load.percentile_ms(95)
    single_p50, single_p95 = single.percentile_ms(50), single.percentile_ms(95)
    ratio = p95 / single_p95 if p95 and single_p95 else None
    errors = single.errors + load.errors
    result: dict[str, object] = {
        "replicas": replicas,
        "explore": args.explore,
        "sessions": args.sessions,
        "duration_s": args.duration,
        "warmup_reruns": warm_runs,
        "reruns": len(load.runs),
        "errors": len(errors),
        "error_lines": [e.error for e in errors[:20]],
        "p50_ms": _ms(p50),
        "p95_ms": _ms(p95),
        "single_reruns": len(single.runs),
        "single_p50_ms": _ms(single_p50),
        "single_p95_ms": _ms(single_p95),
        "p95_ratio": None if ratio is None else round(ratio, 2),
        "reruns_by_replica": {
            name: sum(r.replica == name for r in load.runs) for name in sorted(memory)
        },
        "memory_mb": memory,
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if load.kill is not None:
        result["kill"] = kill_summary(load)
    return result


def kill_summary(stats: Stats) -> dict[str, object]:
    """Both sides of a killed replica: errors, reruns, p95, reconnections and the restart."""
    assert stats.kill is not None
    at, victim, pid, on_victim = stats.kill
    survivors = [r for r in stats.runs if r.session not in on_victim]
    survivors_after = [r for r in survivors if r.at >= at]
    moved = [r for r in stats.runs if r.session in on_victim and r.at >= at]
    times = [seconds for _, _, seconds in stats.reconnects]
    return {
        "replica": victim,
        "pid": pid,
        "sessions_on_killed": len(on_victim),
        "survivor_errors": sum(e.session not in on_victim for e in stats.errors),
        "survivor_failures": sum(e.session not in on_victim and not e.slow for e in stats.errors),
        "survivor_reruns_after_kill": len(survivors_after),
        "survivor_p95_after_kill_ms": _ms(_percentile_ms([r.seconds for r in survivors_after], 95)),
        "killed_side_drops": len(stats.drops),
        "killed_side_reconnected": len(stats.reconnects),
        "killed_side_reconnected_to": sorted({to for _, to, _ in stats.reconnects}),
        "killed_side_reconnect_p50_s": round(statistics.median(times), 2) if times else None,
        "killed_side_reconnect_max_s": round(max(times), 2) if times else None,
        "killed_side_errors": sum(e.session in on_victim for e in stats.errors),
        "killed_side_failures": sum(e.session in on_victim and not e.slow for e in stats.errors),
        "killed_side_reruns_after_kill": len(moved),
        "restart_s": None if stats.restart_s is None else round(stats.restart_s, 1),
    }


def report(result: dict[str, object]) -> Iterator[str]:
    """The run's results in words."""
    name = "1 server" if result["replicas"] is None else f"{result['replicas']} replica(s)"
    kind = "exploring" if result["explore"] else "revisiting"
    ratio = result["p95_ratio"]
    ratio_text = "-" if ratio is None else f"{ratio:.2f}x"
    yield f"== {name}, {kind} readers; load average {result['load_average']}"
    yield (
        f"single session: {result['single_reruns']} reruns, p50 {_text(result['single_p50_ms'])}"
        f" ms, p95 {_text(result['single_p95_ms'])} ms"
    )
    yield (
        f"{result['sessions']} sessions for {result['duration_s']:.0f} s: {result['reruns']} "
        f"reruns {result['reruns_by_replica']}, p50 {_text(result['p50_ms'])} ms, p95 "
        f"{_text(result['p95_ms'])} ms ({ratio_text} single, goal <= {GOAL_P95_RATIO}x)"
    )
    for replica, mb in result["memory_mb"].items():  # type: ignore[union-attr]
        yield (
            f"memory of {replica}: {_text(mb['after_warmup_mb'])} MB after warm-up, "
            f"{_text(mb['mid_load_mb'])} MB halfway, {_text(mb['end_load_mb'])} MB at the end "
            f"of the load (peak {_text(mb['peak_mb'])}), {_text(mb['after_load_mb'])} MB after"
        )
    kill = result.get("kill")
    if isinstance(kill, dict):
        yield (
            f"killed {kill['replica']} (pid {kill['pid']}) holding {kill['sessions_on_killed']} "
            f"sessions; the others: {kill['survivor_errors']} errors "
            f"({kill['survivor_failures']} not slowness), "
            f"{kill['survivor_reruns_after_kill']} reruns after the kill, p95 "
            f"{_text(kill['survivor_p95_after_kill_ms'])} ms"
        )
        yield (
            f"killed side: {kill['killed_side_drops']} dropped connections, "
            f"{kill['killed_side_reconnected']} reconnected to {kill['killed_side_reconnected_to']}"
            f" in {kill['killed_side_reconnect_p50_s']} s (median), "
            f"{kill['killed_side_reconnect_max_s']} s (max), {kill['killed_side_errors']} errors "
            f"({kill['killed_side_failures']} not slowness),"
            f" {kill['killed_side_reruns_after_kill']} reruns after the kill; restarted by the "
            f"supervisor in {kill['restart_s']} s"
        )
    yield f"errors: {result['errors']}"
    for line in result["error_lines"]:  # type: ignore[union-attr]
        yield f"  {line}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument(
        "--single-duration", type=float, default=120.0, help="seconds alone (the reference)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per rerun")
    parser.add_argument(
        "--ramp", type=float, default=3.0, help="seconds over which the readers arrive"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--explore", action="store_true", help="readers open random patients")
    parser.add_argument("--url", help="a running server instead of one started here")
    parser.add_argument("--status", type=Path, help="with --url: make serve's status.json")
    parser.add_argument(
        "--replicas", help="comma-separated replica counts: a balancer started here for each"
    )
    parser.add_argument(
        "--kill-after", type=float, help="SIGKILL the busiest replica this many seconds in"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be 1 to {MAX_SESSIONS}")
    if not 0 < args.duration <= MAX_DURATION or not 0 < args.single_duration <= MAX_DURATION:
        parser.error(f"durations must be at most {MAX_DURATION:.0f} s")
    if args.url and args.replicas:
        parser.error("--url and --replicas exclude each other")
    counts = [int(c) for c in args.replicas.split(",")] if args.replicas else [None]
    if any(c is not None and not 1 <= c <= 8 for c in counts):
        parser.error("--replicas: counts of 1 to 8")
    if args.kill_after is not None:
        if not 0 < args.kill_after < args.duration:
            parser.error("--kill-after must fall within --duration")
        if not (args.replicas or args.status) or 1 in counts:
            parser.error("--kill-after needs replicas to kill and others to survive")

    # a terminated run still stops what it started (the context managers' exits)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    results = []
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            target: Target
            if args.url:
                target = Running(args.url, args.status)
            elif count is None:
                target = Server(Path(tmp) / "server.log")
            else:
                target = Balancer(count, Path(tmp) / "serve")
            with target:
                result = run(target, args, count)
        results.append(result)
        for line in report(result):
            print(line, flush=True)
    if args.json:
        for result in results:
            print(json.dumps(result))
    return 0 if not any(r["errors"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
