"""One JSON line per rerun on the replica's log (stderr): page, duration, cache, replica.

For a site running several replicas (``make serve``): which pages are read, how long a rerun
takes, whether it was served from the in-process caches, and on which replica. No patient data:
no filter or setting value, no query string, no session id; only the page's url path.

    {"event": "rerun", "page": "forest", "ms": 412.3, "cache": "miss", "outcome": "ok",
     "replica": 8601, "pid": 4242, "ts": 1796595476.1}

``cache`` is "hit" when every value the rerun asked of ``ui.cache``'s in-process memo was there,
"miss" when at least one had to be built (or read from the disk cache). ``outcome`` is "ok",
"stopped" (``st.stop``), "rerun" (a page switch or a rerun asked for mid-run) or "error".
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from ui.cache import builds

LOGGER = logging.getLogger("tki.rerun")
if not LOGGER.handlers:  # Streamlit configures its own loggers only
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.addHandler(_handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False


def rerun_line(page: str, seconds: float, built: int, outcome: str, port: int) -> str:
    """The log line of one rerun (JSON, one line)."""
    return json.dumps(
        {
            "event": "rerun",
            "page": page,
            "ms": round(1000 * seconds, 1),
            "cache": "miss" if built else "hit",
            "outcome": outcome,
            "replica": port,
            "pid": os.getpid(),
            "ts": round(time.time(), 1),
        }
    )


@dataclass
class Rerun:
    """The rerun being logged; the frame names its page once ``st.navigation`` has chosen it."""

    page: str = "-"


@contextmanager
def logged_rerun() -> Iterator[Rerun]:
    """Time the block (a whole script run) and log its line, however it ends."""
    rerun = Rerun()
    start, built = time.perf_counter(), builds()
    outcome = "error"
    try:
        yield rerun
        outcome = "ok"
    except StopException:
        outcome = "stopped"
        raise
    except RerunException:
        outcome = "rerun"
        raise
    finally:
        port = int(st.get_option("server.port"))
        LOGGER.info(
            rerun_line(rerun.page, time.perf_counter() - start, builds() - built, outcome, port)
        )
