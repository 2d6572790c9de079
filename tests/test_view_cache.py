"""ui.cache.chart_view: a view's chart, spec and table are built once per state, and the state
includes the filters, the method, the data and the session's user studies."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

import tkidata
from ui import cache, user_studies

F = tkidata.Filters()
M = tkidata.Method.preset("reference")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    cache._chart_view.clear()
    cache._curated_chart_view.clear()
    monkeypatch.setattr(user_studies, "token", lambda: "")
    return []


def builder(calls: list[str], name: str):
    def build() -> tuple[alt.Chart, pd.DataFrame]:
        calls.append(name)
        table = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
        return alt.Chart(table).mark_point().encode(x="x:Q", y="y:Q"), table

    return build


def test_a_view_is_built_once_per_state(builds: list[str]) -> None:
    first = cache.chart_view(("forest", "anlotinib"), F, M, builder(builds, "a"))
    again = cache.chart_view(("forest", "anlotinib"), F, M, builder(builds, "b"))
    assert builds == ["a"] and again is first
    spec = first.vega_lite()
    assert spec["mark"]["type"] == "point"
    assert [type(v) for v in spec["datasets"].values()] == [bytes]  # Arrow, converted once
    assert "datasets" not in json.loads(first.drawn.spec)
    assert first.narrow is None  # one layout: no phone drawing
    assert list(first.table.columns) == ["x", "y"]


def test_filters_method_and_view_are_part_of_the_key(builds: list[str]) -> None:
    cache.chart_view("v", F, M, builder(builds, "base"))
    cache.chart_view("v", tkidata.Filters(histology="bone"), M, builder(builds, "filter"))
    cache.chart_view("v", F, tkidata.Method.preset("metafor"), builder(builds, "method"))
    cache.chart_view("w", F, M, builder(builds, "view"))
    assert builds == ["base", "filter", "method", "view"]


def test_user_studies_are_part_of_the_key(
    builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.chart_view("v", F, M, builder(builds, "curated"))
    monkeypatch.setattr(user_studies, "token", lambda: "abc")
    cache.chart_view("v", F, M, builder(builds, "what-if"))
    assert builds == ["curated", "what-if"]


def test_a_view_part_is_built_once_per_key_and_user_studies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache._view_part.clear()
    monkeypatch.setattr(user_studies, "token", lambda: "")
    calls: list[str] = []

    def part(name: str):
        def build() -> str:
            calls.append(name)
            return name

        return build

    assert cache.view_part(("rows", "anlotinib"), part("a")) == "a"
    assert cache.view_part(("rows", "anlotinib"), part("again")) == "a"
    assert cache.view_part(("rows", "apatinib"), part("b")) == "b"
    monkeypatch.setattr(user_studies, "token", lambda: "with-user-studies")
    assert cache.view_part(("rows", "anlotinib"), part("c")) == "c"
    assert calls == ["a", "b", "c"]


def test_disk_cached_results_are_keyed_by_the_code_too() -> None:
    """A restarted server with changed code never answers from an older code's disk cache."""
    first = cache.data_fingerprint()[0]
    assert first == (f"code {cache.CODE_VERSION}", 0, 0)
    assert len(cache.CODE_VERSION) == 64
