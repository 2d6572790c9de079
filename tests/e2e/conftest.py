"""Fixtures of the browser tests: Debian's Chromium, `streamlit run` servers, watched tabs.

Browser tests skip, loudly, only when ``/usr/bin/chromium`` is missing outside CI; with
``CI=true`` a missing browser fails them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from app_page import ARTIFACTS, IDLE_TIMEOUT, ErrorLog, open_page, screenshot
from playwright.sync_api import Browser, BrowserContext, Page, expect
from streamlit_server import StreamlitServer

CHROMIUM = Path("/usr/bin/chromium")
ON_CI = os.environ.get("CI", "").lower() == "true"
MISSING_BROWSER = (
    f"BROWSER TESTS NOT RUN: {CHROMIUM} is missing. Install Debian's chromium "
    "(`apt-get install chromium`, as .ci/run does); never `playwright install`."
)
VIEWPORT = {"width": 1400, "height": 1000}

expect.set_options(timeout=30_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the browser tests with a loud reason when Chromium is absent (never on CI)."""
    if CHROMIUM.exists() or ON_CI:
        return
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=MISSING_BROWSER))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat the missing-browser warning at the end of the run, where it is seen."""
    if not CHROMIUM.exists() and not ON_CI:
        terminalreporter.section("BROWSER TESTS SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.line(MISSING_BROWSER, red=True, bold=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test item, for screenshots on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium (headless, as root: no sandbox); fail on CI when missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"CI=true: {MISSING_BROWSER}")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """One desktop-sized tab per context, downloads accepted."""
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


@pytest.fixture(scope="session")
def app_url(browser: Browser) -> Iterator[str]:
    """Base URL of one `streamlit run app.py` shared by the session's tests.

    Its first visit is the root URL, so each journey tests its own feature and not the first
    request to a fresh server (``test_e2e_deep_link`` does that on a server of its own).
    """
    with StreamlitServer(ARTIFACTS / "server.log") as server:
        context = browser.new_context(viewport=VIEWPORT)
        open_page(context.new_page(), server.url)
        context.close()
        yield server.url


@pytest.fixture
def fresh_app_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Base URL of a server of this test's own: nothing has been requested from it yet."""
    with StreamlitServer(ARTIFACTS / f"server-{request.node.name}.log") as server:
        yield server.url


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    """Console and page errors of every tab the test watches; none may be unexpected."""
    log = ErrorLog()
    yield log
    assert not log.problems(), "browser errors:\n" + "\n".join(log.problems())


@pytest.fixture
def watched_page(
    request: pytest.FixtureRequest, context: BrowserContext, errors: ErrorLog
) -> Iterator[Page]:
    """A tab whose errors are checked; screenshot saved when the test fails."""
    page = errors.watch(context.new_page())
    page.set_default_timeout(IDLE_TIMEOUT)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"FAILED-{request.node.name}")


@pytest.fixture
def new_watched_page(
    new_context: Callable[..., BrowserContext], errors: ErrorLog
) -> Callable[[], Page]:
    """Open a tab in a new browser context (its own cookies: a separate Streamlit session)."""

    def _open() -> Page:
        page = errors.watch(new_context().new_page())
        page.set_default_timeout(IDLE_TIMEOUT)
        return page

    return _open
