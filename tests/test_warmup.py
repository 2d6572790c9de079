"""Server start-up warm-up (ui.warmup) and the st.App that serves it (app.py)."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from pathlib import Path

import pytest
from streamlit.web.server.app_discovery import discover_asgi_app

from ui.warmup import FIRST_SCREEN, HoldSessions, Warmup, lifespan

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def unfrozen():
    """A warm-up freezes what the process holds out of the collector: undone after each test."""
    yield
    gc.unfreeze()


@pytest.fixture
def fake_modules(tmp_path, monkeypatch):
    """Two importable modules in a temporary directory: one fine, one raising on import."""
    (tmp_path / "warm_fine.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / "warm_broken.py").write_text("raise ValueError('bad line 1')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in ("warm_fine", "warm_broken"):
        sys.modules.pop(name, None)


def test_warmup_imports_its_modules_in_a_thread(fake_modules) -> None:
    warmup = Warmup(["warm_fine"])
    assert "warm_fine" not in sys.modules
    warmup.start()
    warmup.start()  # a second start does nothing
    assert warmup.wait(10)
    assert sys.modules["warm_fine"].VALUE == 1
    assert warmup.failed == {}


def test_a_module_that_fails_is_named_and_the_rest_still_load(fake_modules, caplog) -> None:
    warmup = Warmup(["warm_broken", "warm_fine"])
    with caplog.at_level(logging.WARNING, logger="ui.warmup"):
        warmup.start()
        assert warmup.wait(10)
    assert warmup.failed == {"warm_broken": "ValueError: bad line 1"}
    assert "warm_fine" in sys.modules
    assert "warm_broken" not in sys.modules  # the page importing it meets the error itself
    (record,) = caplog.records
    assert "warm_broken" in record.getMessage() and "ValueError: bad line 1" in record.getMessage()
    assert record.exc_info is None  # one line in the log, no traceback


def test_a_warmup_never_started_holds_nothing() -> None:
    warmup = Warmup(["warm_fine"])
    assert warmup.wait(0)
    assert asyncio.run(warmup.wait_async(0))


class _Recorder:
    """An ASGI app that records which scopes reached it and when the warm-up was over then."""

    def __init__(self, warmup_done: threading.Event) -> None:
        self.calls: list[tuple[str, bool]] = []
        self._done = warmup_done

    async def __call__(self, scope, receive, send) -> None:
        self.calls.append((scope["type"], self._done.is_set()))


def test_sessions_wait_for_the_warmup_and_http_passes_at_once() -> None:
    release = threading.Event()
    warmup = Warmup([])
    warmup._started = True  # a warm-up in progress until `release` is set
    warmup._done = release
    inner = _Recorder(release)
    gate = HoldSessions(inner, warmup)

    async def scenario() -> None:
        await gate({"type": "http"}, None, None)  # the page and its scripts: not held
        assert inner.calls == [("http", False)]
        session = asyncio.create_task(gate({"type": "websocket"}, None, None))
        await asyncio.sleep(0.2)
        assert not session.done()  # held while the imports run
        release.set()
        await asyncio.wait_for(session, 10)

    asyncio.run(scenario())
    assert inner.calls == [("http", False), ("websocket", True)]


def test_lifespan_starts_the_process_warmup(monkeypatch) -> None:
    started: list[bool] = []
    monkeypatch.setattr("ui.warmup.WARMUP.start", lambda: started.append(True))

    async def run() -> None:
        async with lifespan(object()):
            assert started == [True]  # started before the server serves, not awaited

    asyncio.run(run())


def test_streamlit_run_serves_app_py_as_an_st_app() -> None:
    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"


def test_first_screen_names_importable_modules() -> None:
    import importlib.util

    for name in FIRST_SCREEN:
        assert importlib.util.find_spec(name) is not None, name


def test_after_its_imports_the_warmup_freezes_them_out_of_the_collector(fake_modules) -> None:
    """Module objects live as long as the server: a full collection walking them took 35–60 ms
    of some reader's rerun."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    Warmup(["warm_fine", "warm_broken"]).run()
    assert gc.get_freeze_count() > 0
