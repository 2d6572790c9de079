"""Server time of a filter change on Compare vs a bare page with the same number of charts.

Both are measured in the same run with Streamlit's AppTest (no browser): the app's Compare page
after one warm-up (so caches hold what a live server holds), then the histology filter toggled
back and forth; and a bare Streamlit script that draws the same charts and tables with the same
builders from plain, pre-computed frames (no frame, no loading, no pooling, no caching) on the
same number of reruns, the two interleaved so that load from other processes hits both alike.
The bare page builds and serialises its charts on every rerun; the app draws what a view drew
before from its cache (``ui.cache.chart_view``: chart specs and tables by filter and method
state), so a rerun the server has seen costs a fraction of the bare page. Prints both medians
and their ratio (goal: at most 0.5×); ``--json`` prints a last-line JSON object.

    python benchmarks/app.py [--repeats 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = 0.5
"""Largest acceptable ratio of the app's rerun to the bare page's."""

BARE_PAGE = """
import pickle
import sys

import streamlit as st

sys.path.insert(0, {root!r})
from report import charts

st.set_page_config(layout="wide")
choice = st.selectbox("Histology", ["all", "sts"], key="h")
with open({data!r}, "rb") as fh:
    data = pickle.load(fh)[choice]
for _, row in data["compare"].iterrows():
    st.metric(str(row["outcome"]), f"{{row['est']:.1%}}")
    st.caption(f"k = {{row['k']}}")
st.altair_chart(charts.comparison_chart(data["compare"]), theme=None, key="c1")
st.dataframe(charts.comparison_table(data["compare"]), key="t1")
st.dataframe(charts.ae_panel_matrix(data["ae"]), key="t2")
st.altair_chart(charts.ae_panel_chart(data["ae"]), theme=None, key="c2")
st.altair_chart(charts.hazard_ratio_chart(data["hr"]), theme=None, key="c3")
st.dataframe(charts.hazard_ratio_table(data["hr"]), key="t3")
"""


def _plain_data(path: Path) -> None:
    """The numbers Compare shows for both histology choices, pooled once, as plain frames."""
    import pandas as pd

    import tkidata
    from report.colors import TKI_DRUGS
    from ui.cache import COMPARE_OUTCOMES

    ev = tkidata.load()
    m = tkidata.Method.preset("reference")
    out = {}
    for histology in ("all", "sts"):
        f = tkidata.Filters(histology=histology)
        table = tkidata.compare(ev, f, m)
        wanted = set(COMPARE_OUTCOMES)
        keep = [
            (o, None if pd.isna(t) else int(t)) in wanted
            for o, t in zip(table["outcome"], table["timepoint"], strict=True)
        ]
        out[histology] = {
            "compare": table[keep].reset_index(drop=True),
            "ae": {d: tkidata.pool_adverse_events(ev, d, f, m) for d in TKI_DRUGS},
            "hr": tkidata.hazard_ratios(ev, f),
        }
    path.write_bytes(pickle.dumps(out))


def _rerun(at: AppTest, key: str, value: str) -> float:
    start = time.perf_counter()
    at.selectbox(key=key).select(value).run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.switch_page("pages/compare.py").run()
    charts = len(app.get("vega_lite_chart"))
    app_times, bare_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "bare.py", Path(tmp) / "data.pickle"
        _plain_data(data)
        script.write_text(BARE_PAGE.format(root=str(ROOT), data=str(data)), encoding="utf-8")
        bare = AppTest.from_file(str(script), default_timeout=120).run()
        values = ["sts", "all"]
        for i in range(2 + args.repeats):  # two warm-up rounds fill the app's caches
            value = values[i % 2]
            a, b = _rerun(app, "filter_histology", value), _rerun(bare, "h", value)
            if i >= 2:
                app_times.append(a)
                bare_times.append(b)

    app_ms = 1000 * statistics.median(app_times)
    bare_ms = 1000 * statistics.median(bare_times)
    ratio = app_ms / bare_ms
    print(f"Compare filter change: median {app_ms:.0f} ms over {args.repeats} reruns")
    print(f"Bare page, {charts} charts: median {bare_ms:.0f} ms")
    print(f"Ratio: {ratio:.2f}x (goal <= {GOAL}x)")
    if args.json:
        print(
            json.dumps(
                {
                    "app_ms": round(app_ms, 1),
                    "bare_ms": round(bare_ms, 1),
                    "charts": charts,
                    "repeats": args.repeats,
                    "ratio": round(ratio, 3),
                    "goal": GOAL,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
