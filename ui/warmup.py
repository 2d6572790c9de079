"""Server start: the first screen's imports run while the browser is still loading the page.

``streamlit run app.py`` serves ``app.py`` as an ``st.App`` whose lifespan is :func:`lifespan`.
As soon as the server is up, one thread imports what Compare's first screen needs
(:data:`FIRST_SCREEN`: pandas, NumPy, pyarrow, the evidence loader, the frame, the cards),
about half a second of work that would otherwise start only when the browser opens its session.
The browser needs about a second to fetch and parse Streamlit's scripts first, so the imports
are done, or nearly, by the time it asks for the first page.

:class:`HoldSessions` keeps a new session's websocket waiting until the warm-up is over, so a
script run never imports while the warm-up does: two threads importing overlapping module trees
in different orders can deadlock on Python's per-module import locks. Plain HTTP requests (the
page, its scripts, the health check) pass straight through.

A module that fails to import here is named in the server log in one line; the page that needs
it imports it again and shows the problem there.

Once imported, the modules' objects (classes, functions, Altair's schema wrappers: most of what
the process holds) are moved out of the cyclic garbage collector's reach (``gc.freeze``). They
live as long as the process anyway, and a full collection walked them all: about 35–60 ms,
landing on whichever reader's rerun happened to trigger it (``benchmarks/new_patient.py``: the
worst of 72 new patients' tiered answers 47–82 ms with it, 22–36 ms without).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

#: what Compare imports before its first number (``ui.frame`` brings pandas, NumPy, pyarrow and
#: the evidence loader); nothing a download, a chart or a validation needs
FIRST_SCREEN: tuple[str, ...] = ("ui.frame", "ui.patient", "ui.render", "report.charts")
#: seconds a new session waits for the warm-up at most (it takes about half a second)
HOLD_TIMEOUT_S = 60.0

_LOGGER = logging.getLogger(__name__)


class Warmup:
    """One warm-up: import ``modules`` in a background thread, once.

    Parameters
    ----------
    modules : sequence of str
        Module names, imported in this order.
    """

    def __init__(self, modules: Sequence[str] = FIRST_SCREEN) -> None:
        self.modules = tuple(modules)
        self.failed: dict[str, str] = {}
        self._done = threading.Event()
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start :meth:`run` in a daemon thread (a second call does nothing)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self.run, name="first-screen-warmup", daemon=True).start()

    def run(self) -> None:
        """Import the modules, then freeze what the process holds out of the collector."""
        try:
            for name in self.modules:
                try:
                    importlib.import_module(name)
                except Exception as exc:  # the page importing it shows the problem
                    self.failed[name] = f"{type(exc).__name__}: {exc}"
                    _LOGGER.warning(
                        "Warm-up could not import %s (%s); the first page imports it itself.",
                        name,
                        self.failed[name],
                    )
            gc.freeze()
        finally:
            self._done.set()

    def wait(self, timeout: float = HOLD_TIMEOUT_S) -> bool:
        """Block until the warm-up is over; False if ``timeout`` seconds passed first.

        A warm-up never started has nothing to wait for.
        """
        return not self._started or self._done.wait(timeout)

    async def wait_async(self, timeout: float = HOLD_TIMEOUT_S) -> bool:
        """:meth:`wait` without blocking the event loop."""
        if self.wait(0):  # over, or never started
            return True
        return await asyncio.to_thread(self.wait, timeout)


#: the process's warm-up (one server per process)
WARMUP = Warmup()


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """``st.App`` lifespan (``app`` is the App): start the warm-up and serve at once."""
    WARMUP.start()
    yield None


class HoldSessions:
    """ASGI middleware: a websocket (a new Streamlit session) waits until the warm-up is over.

    Parameters
    ----------
    app : ASGI application
        The application wrapped (Streamlit's).
    warmup : Warmup
        The warm-up to wait for (the process's by default).
    """

    def __init__(self, app: Any, warmup: Warmup = WARMUP) -> None:
        self.app = app
        self.warmup = warmup

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not await self.warmup.wait_async():
            _LOGGER.warning(
                "Warm-up still running after %.0f s; the session starts anyway.", HOLD_TIMEOUT_S
            )
        await self.app(scope, receive, send)
