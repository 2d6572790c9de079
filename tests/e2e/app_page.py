"""Driving one browser tab of the Streamlit app: readiness waits, errors, widgets, screenshots."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Error, Page, expect
from streamlit_server import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "e2e"
#: milliseconds for a page load or a rerun to finish (first loads pool every drug)
IDLE_TIMEOUT = 90_000
#: milliseconds to wait for a rerun to start after an interaction (it may already be over)
RERUN_START_TIMEOUT = 3_000

#: console errors that are not the app's: (pattern on "text @ url", reason)
BENIGN_CONSOLE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"status of 404 .*@ http://127\.0\.0\.1:\d+/[^_][^?]*/_stcore/(health|host-config)$"
        ),
        "Streamlit's frontend probes <page>/_stcore/* to find its base path on a deep link, "
        "then falls back to the root",
    ),
)


@dataclass
class ErrorLog:
    """Console errors and uncaught page errors seen in the watched tabs."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        """Record this tab's console errors and uncaught exceptions; returns the tab."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))
        return page

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        line = f"{msg.text} @ {msg.location.get('url', '')}"
        if not any(pattern.search(line) for pattern, _ in BENIGN_CONSOLE_ERRORS):
            self.console.append(line)

    def problems(self) -> list[str]:
        """Every unexpected error, one line each."""
        return [f"console: {c}" for c in self.console] + [f"page: {p}" for p in self.page_errors]


def wait_idle(page: Page) -> None:
    """Wait until the app is connected, its script has finished and nothing is loading.

    Also asserts that no element shows an exception (``stException``).
    """
    app = page.locator("[data-testid='stApp']")
    expect(page.locator("[data-testid='stAppViewContainer']")).to_be_attached(timeout=IDLE_TIMEOUT)
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=IDLE_TIMEOUT)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=IDLE_TIMEOUT)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=IDLE_TIMEOUT)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def open_page(page: Page, url: str) -> None:
    """Load a URL of the app and wait until it is idle."""
    page.goto(url)
    wait_idle(page)


def wait_rerun(page: Page) -> None:
    """After an interaction: wait for the rerun it triggers to start (if not over) and finish."""
    running = page.locator("[data-testid='stApp'][data-test-script-state='running']")
    with contextlib.suppress(Error):  # a fast rerun can start and finish before the check
        running.wait_for(state="attached", timeout=RERUN_START_TIMEOUT)
    wait_idle(page)


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a selectbox (a combobox since Streamlit 1.67) and wait for the rerun."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_rerun(page)
    expect(box).to_have_value(option)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under ``test-artifacts/e2e/``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
