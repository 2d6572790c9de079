"""The replica's log: one JSON line per rerun, with the page, duration, cache and replica, and no
patient data (no filter or setting value of the URL)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.runlog import LOGGER, rerun_line

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
KEYS = {"event", "page", "ms", "cache", "outcome", "replica", "pid", "ts"}
#: a patient the log must not give away: every value is one a filter or setting can take
PATIENT = {"histology": "lms", "line": "second", "design": "rct", "preset": "metafor"}


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logged() -> Iterator[Lines]:
    handler = Lines()
    LOGGER.addHandler(handler)
    yield handler
    LOGGER.removeHandler(handler)


def test_rerun_line_is_one_json_object_of_fixed_keys() -> None:
    line = rerun_line("forest", 0.41234, built=3, outcome="ok", port=8601)
    assert "\n" not in line
    entry = json.loads(line)
    assert set(entry) == KEYS
    assert entry["event"] == "rerun"
    assert entry["page"] == "forest"
    assert entry["ms"] == 412.3
    assert entry["cache"] == "miss"
    assert entry["replica"] == 8601
    assert json.loads(rerun_line("compare", 0.01, built=0, outcome="ok", port=1))["cache"] == "hit"


@pytest.mark.parametrize("page", ["compare", "forest"])
def test_each_rerun_logs_its_page_and_no_filter_value(logged: Lines, page: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in PATIENT.items():
        at.query_params[name] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    first = len(logged.lines)
    assert first >= 1, "the first run logged no line"
    at.run()  # a rerun in the same state: one more line, served from the caches
    entries = [json.loads(line) for line in logged.lines]
    assert len(entries) == first + 1
    for entry in entries:
        assert set(entry) == KEYS
        assert entry["outcome"] in {"ok", "stopped", "rerun", "error"}
        assert entry["ms"] >= 0
    assert entries[-1]["page"] == page
    assert entries[-1]["outcome"] == "ok"
    assert entries[-1]["cache"] == "hit"
    for line in logged.lines:
        for name, value in PATIENT.items():
            assert value not in line and name not in line, f"{name}={value} in the log: {line}"
