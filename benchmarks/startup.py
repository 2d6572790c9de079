"""Cold start: from ``streamlit run`` to the first number on the home page, vs a bare page.

Each repeat starts a fresh ``streamlit run`` server (new process: nothing imported, no cache in
memory) and opens its root URL in headless Chromium (``/usr/bin/chromium``, launched once before
timing); the time runs from process start until the first number is visible (on the app, the
first value of Compare's first-screen cards; on the bare page, its ``st.metric``). The
reference is a bare one-number Streamlit page (``st.metric`` of a constant) measured the same way
in the same run, the two interleaved so that load from other processes hits both alike. Prints
both medians and their ratio (goal: at most 1.5×); ``--json`` prints a last-line JSON object.

    python benchmarks/startup.py [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
#: seconds one start may take before the run is declared failed
TIMEOUT_S = 120
BARE_PAGE = 'import streamlit as st\n\nst.metric("ORR", "9.8%")\n'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_to_first_number(browser: Browser, script: Path, cwd: Path) -> float:
    """Seconds from ``streamlit run script`` to the first metric value visible in the browser."""
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        page = browser.new_page()
        deadline = start + TIMEOUT_S
        while True:  # the server is not listening yet: retry the first request
            try:
                page.goto(f"http://127.0.0.1:{port}/", timeout=TIMEOUT_S * 1000)
                break
            except Exception:  # connection refused until the server listens
                if time.perf_counter() > deadline:
                    raise
                time.sleep(0.05)
        # the first number: a first-screen card's value on the app, the metric on the bare page
        first = page.locator("[data-testid='stMetricValue'], .tki-value").first
        first.wait_for(timeout=TIMEOUT_S * 1000)
        elapsed = time.perf_counter() - start
        page.close()
        return elapsed
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    app_times: list[float] = []
    bare_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_PAGE, encoding="utf-8")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(args.repeats):
            bare_times.append(time_to_first_number(browser, bare, Path(tmp)))
            app_times.append(time_to_first_number(browser, ROOT / "app.py", ROOT))
        browser.close()
    app_s, bare_s = statistics.median(app_times), statistics.median(bare_times)
    ratio = app_s / bare_s
    print(f"Bare one-number page: median {bare_s:.2f} s over {args.repeats} cold starts")
    print(f"App home page (first number): median {app_s:.2f} s")
    print(f"Ratio: {ratio:.2f}x (goal: at most 1.5x)")
    if args.json:
        print(
            json.dumps(
                {
                    "bare_s": round(bare_s, 3),
                    "app_s": round(app_s, 3),
                    "ratio": round(ratio, 3),
                    "app_runs_s": [round(t, 3) for t in app_times],
                    "bare_runs_s": [round(t, 3) for t in bare_times],
                }
            )
        )


if __name__ == "__main__":
    main()
