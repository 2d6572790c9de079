"""A patient nobody has opened yet vs one already seen, the tiered answers in process, the deck.

Three measurements, printed together (``--json``: a last-line JSON object):

1. **Browser** (``--repeats`` pairs): a ``streamlit run app.py`` server on 127.0.0.1 with an
   empty home folder (so no disk cache of an earlier run answers: every new state is truly
   never seen), and headless Debian Chromium (``/usr/bin/chromium``). Each pair opens Compare in
   a new tab at a random state never opened before (histology × line × design × method preset,
   ``/compare?histology=…``), then in another new tab a state already opened. Each time runs from
   the navigation until Compare is ready: the script run is over, the first-screen cards show a
   value and every visible chart has drawn. Prints both medians and their ratio (goal ≤ 1.3×).
2. **In process**: the four drugs' tiered answers (``tkidata.patient_summary``) for fresh random
   states, per preset, in a fresh interpreter whose pool memo is empty, with the time spent in
   the pooling engine itself (``core``: the physical limit of an answer; goal ≤ 50 ms), after
   the server's start-up work (``ui.warmup``: imports, then ``gc.freeze``). The
   first use of each preset in the process is timed apart: it pays one-off imports (the GLMM's
   ``scipy.optimize``), as a server's first reader of that preset does once.
3. **Deck**: ``python -m report deck`` as a whole process (interpreter, imports, data load,
   pooling, render workers), median of ``--deck-repeats`` runs (goal ≤ 3 s on an idle 2-core
   machine). With ``--deck-baseline`` (a checkout of an earlier commit, e.g. ``git worktree add
   /tmp/start 01868df``) that checkout's deck is timed after each run of this one's, and the
   ratio printed: these machines differ in speed and load, so the ratio is what compares (the
   issue's 3 s goal against the 5.3 s it measured is 0.57×).

    python benchmarks/new_patient.py [--repeats 8] [--states 24] [--deck-repeats 3]
        [--deck-baseline CHECKOUT] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 120
RATIO_GOAL = 1.3
ANSWER_GOAL_MS = 50.0
DECK_GOAL_S = 3.0
#: the whole-process deck time the issue measured at the start of the round (commit 01868df)
ISSUE_DECK_S = 5.3
LINES = ("any", "first", "second", "later")
DESIGNS = ("all", "prospective", "rct")
PRESETS = ("reference", "meta", "metafor")

#: Compare is ready: the run is over, a card shows a value, every visible chart has drawn
READY = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
  if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (document.querySelector("[data-testid='stSkeleton']")) return false;
  if (!document.querySelector(".tki-value")) return false;
  const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
    .filter((c) => c.offsetParent !== null);
  return charts.length > 0 && charts.every((c) => c.querySelector("canvas, svg"));
}"""


def _states(seed: int) -> list[tuple[str, str, str, str]]:
    """Every histology × line × design × preset, shuffled."""
    import tkidata

    histologies = sorted(tkidata.load().vocab.populations)
    grid = [(h, li, d, p) for h in histologies for li in LINES for d in DESIGNS for p in PRESETS]
    random.Random(seed).shuffle(grid)
    return grid


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _url(base: str, state: tuple[str, str, str, str]) -> str:
    histology, line, design, preset = state
    query = {"histology": histology, "line": line, "design": design, "preset": preset}
    return f"{base}/compare?{urlencode(query)}"


def _open(browser: object, url: str) -> float:
    """Seconds from navigating a new tab to ``url`` until Compare is ready."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    try:
        start = time.perf_counter()
        page.goto(url, timeout=TIMEOUT_S * 1000)
        page.wait_for_function(READY, timeout=TIMEOUT_S * 1000)
        return time.perf_counter() - start
    finally:
        page.close()


def browser_times(repeats: int, states: list[tuple[str, str, str, str]]) -> dict[str, object]:
    """New and seen Compare times in one server, interleaved."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CACHE_HOME": str(Path(home) / ".cache")}
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
                deadline = time.perf_counter() + TIMEOUT_S
                while True:  # the first open waits for the server and loads the evidence
                    try:
                        _open(browser, base + "/")
                        break
                    except Exception:
                        if time.perf_counter() > deadline:
                            raise
                        time.sleep(0.25)
                seen_state = states[0]
                _open(browser, _url(base, seen_state))
                new, seen = [], []
                for state in states[1 : repeats + 1]:
                    new.append(_open(browser, _url(base, state)))
                    seen.append(_open(browser, _url(base, seen_state)))
                    seen_state = state  # the next pair's seen state was opened just now
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=15)
    new_ms, seen_ms = 1000 * statistics.median(new), 1000 * statistics.median(seen)
    return {
        "new_ms": round(new_ms),
        "seen_ms": round(seen_ms),
        "ratio": round(new_ms / seen_ms, 2),
        "new_all_ms": [round(1000 * t) for t in new],
        "seen_all_ms": [round(1000 * t) for t in seen],
    }


IN_PROCESS = """
import json, sys, time
sys.path.insert(0, {root!r})
import tkidata
from tkidata.analyses import pooling as analysis
from tkidata.patient.tiers import patient_summary

engine = [0.0]
def timed(fn):
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            engine[0] += time.perf_counter() - start
    return run
for name in ("pool_proportions", "pool_glmm", "pool_medians"):
    setattr(analysis, name, timed(getattr(analysis, name)))

from ui.warmup import Warmup

Warmup().run()  # as the server does when it starts: the first screen's imports, gc.freeze()
ev = tkidata.load()
out = {{}}
for preset in json.loads({states!r}):  # first use of each preset: imports (GLMM: scipy.optimize)
    start = time.perf_counter()
    patient_summary(ev, tkidata.Filters(), tkidata.Method.preset(preset))
    out[preset] = {{"first_use_ms": 1000 * (time.perf_counter() - start)}}
for preset, states in json.loads({states!r}).items():
    total, pooling = [], []
    for histology, line, design in states:
        f = tkidata.Filters(histology=histology, line=line, design=design)
        engine[0] = 0.0
        start = time.perf_counter()
        patient_summary(ev, f, tkidata.Method.preset(preset))
        total.append(1000 * (time.perf_counter() - start))
        pooling.append(1000 * engine[0])
    out[preset].update(total_ms=total, pooling_ms=pooling)
print(json.dumps(out))
"""


def in_process(states: list[tuple[str, str, str, str]], count: int) -> dict[str, object]:
    """The four drugs' tiered answers per preset in a fresh interpreter (empty memos)."""
    by_preset: dict[str, list[tuple[str, str, str]]] = {p: [] for p in PRESETS}
    for histology, line, design, preset in states:
        if len(by_preset[preset]) < count:
            by_preset[preset].append((histology, line, design))
    script = IN_PROCESS.format(root=str(ROOT), states=json.dumps(by_preset))
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    raw = json.loads(out.stdout.strip().splitlines()[-1])
    result: dict[str, object] = {}
    for preset, times in raw.items():
        result[preset] = {
            "median_ms": round(statistics.median(times["total_ms"]), 1),
            "max_ms": round(max(times["total_ms"]), 1),
            "pooling_median_ms": round(statistics.median(times["pooling_ms"]), 2),
            "first_use_ms": round(times["first_use_ms"], 1),
        }
    return result


def _deck_once(root: Path, out: str) -> float:
    command = [sys.executable, "-m", "report", "deck", "--out", out]
    start = time.perf_counter()
    subprocess.run(command, cwd=root, check=True, capture_output=True)
    return time.perf_counter() - start


def deck_seconds(repeats: int, baseline: Path | None = None) -> dict[str, object]:
    """``python -m report deck`` as a whole process, median of ``repeats`` runs; with
    ``baseline`` (a checkout of an earlier commit), its deck too, run after each of this one's
    (the same machine state for both: the ratio is what compares across machines)."""
    times, before = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            times.append(_deck_once(ROOT, f"{tmp}/deck{i}.pptx"))
            if baseline is not None:
                before.append(_deck_once(baseline, f"{tmp}/baseline{i}.pptx"))
    out: dict[str, object] = {
        "median_s": round(statistics.median(times), 2),
        "all_s": [round(t, 2) for t in times],
    }
    if before:
        out["baseline_median_s"] = round(statistics.median(before), 2)
        out["baseline_all_s"] = [round(t, 2) for t in before]
        out["ratio"] = round(statistics.median(times) / statistics.median(before), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=8, help="new/seen pairs in the browser")
    parser.add_argument("--states", type=int, default=24, help="fresh states per preset")
    parser.add_argument(
        "--deck-repeats", type=int, default=3, help="runs of the deck (0: the deck is not timed)"
    )
    parser.add_argument(
        "--deck-baseline",
        type=Path,
        help="a checkout of an earlier commit: its deck is timed after each of this one's",
    )
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for name in ("repeats", "states", "deck_repeats"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} {getattr(args, name)}: expected 0 or more")
    if args.deck_baseline is not None and not (args.deck_baseline / "report").is_dir():
        parser.error(f"--deck-baseline {args.deck_baseline}: not a checkout of this repository")
    states = _states(args.seed)
    report: dict[str, object] = {"seed": args.seed}
    if not args.skip_browser:
        report["browser"] = browser_times(args.repeats, states)
    report["in_process"] = in_process(states, args.states)
    if args.deck_repeats:
        report["deck"] = deck_seconds(args.deck_repeats, args.deck_baseline)
    if "browser" in report:
        b = report["browser"]
        print(
            f"Compare ready, never-seen state: {b['new_ms']} ms median; seen state: "  # type: ignore[index]
            f"{b['seen_ms']} ms; ratio {b['ratio']}× (goal ≤ {RATIO_GOAL}×)"  # type: ignore[index]
        )
    for preset, r in report["in_process"].items():  # type: ignore[attr-defined]
        print(
            f"tiered answers of the four drugs, {preset}: {r['median_ms']} ms median, "
            f"{r['max_ms']} ms max (goal ≤ {ANSWER_GOAL_MS:.0f} ms); physical limit, the "
            f"pooling itself: {r['pooling_median_ms']} ms; first use of the preset in a process "
            f"(its imports, once): {r['first_use_ms']} ms"
        )
    deck = report.get("deck", {})
    if deck:
        print(f"python -m report deck: {deck['median_s']} s median (goal ≤ {DECK_GOAL_S} s)")  # type: ignore[index]
    if "ratio" in deck:  # type: ignore[operator]
        print(
            f"  baseline ({args.deck_baseline}): {deck['baseline_median_s']} s median; "  # type: ignore[index]
            f"ratio {deck['ratio']}× (the goal as a ratio: {DECK_GOAL_S} s where the issue "  # type: ignore[index]
            f"measured {ISSUE_DECK_S} s, {DECK_GOAL_S / ISSUE_DECK_S:.2f}×)"
        )
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
