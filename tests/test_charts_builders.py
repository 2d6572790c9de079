"""Every chart builder returns a valid Vega-Lite spec, colours drugs over the full drug domain,
and its ``*_table`` twin holds the numbers it plots."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest

import core
from report import charts
from report.charts.forest_plot import (
    NARROW_COLUMNS,
    NARROW_SUBTITLE_CHARS,
    NARROW_TITLE_CHARS,
    ROW_PX,
)
from report.charts.style import FONT
from report.colors import DRUG_COLORS, DRUG_LABELS, TKI_DRUGS

ROOT = Path(__file__).resolve().parent.parent
EVENTS = [5, 9, 3, 12, 7, 4, 10, 6, 8, 2, 11, 5]
N = [30, 41, 22, 50, 35, 28, 44, 31, 39, 20, 47, 26]
LABELS = [f"Study {i} 20{10 + i}" for i in range(len(N))]


def _walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _drug_scales(spec: dict, channel: str = "color") -> list[dict]:
    return [
        enc[channel]["scale"]
        for enc in _walk(spec)
        if isinstance(enc.get(channel), dict)
        and enc[channel].get("field") == "drug_label"
        and isinstance(enc[channel].get("scale"), dict)
        and "range" in enc[channel]["scale"]
    ]


def _plotted_numbers(spec: dict, field: str) -> set[float]:
    values = set()
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            v = row.get(field)
            if isinstance(v, (int, float)) and not math.isnan(v):
                values.add(round(float(v), 12))
    return values


def _assert_shared_colours(chart: alt.TopLevelMixin) -> dict:
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    scales = _drug_scales(spec)
    assert scales, "no drug colour scale found"
    for scale in scales:
        assert scale["domain"] == [DRUG_LABELS[d] for d in DRUG_COLORS]
        assert scale["range"] == list(DRUG_COLORS.values())
    assert spec["config"]["font"] == FONT
    # every chart has an accessible name beyond Vega's generic "Vega visualization"
    assert len(spec.get("description", "")) > 40
    return spec


def _assert_drug_shapes(spec: dict) -> None:
    """Colour is never the only cue to the drug: the same marks are shaped by drug too."""
    shapes = _drug_scales(spec, "shape")
    assert shapes, "drugs are told apart by colour alone"
    for scale in shapes:
        assert scale["domain"] == [DRUG_LABELS[d] for d in DRUG_COLORS]
        assert len(set(scale["range"][: len(TKI_DRUGS)])) == len(TKI_DRUGS)


@pytest.fixture(scope="module")
def pool() -> core.ProportionPool:
    return core.pool_proportions(EVENTS, N, labels=LABELS)


def test_colour_map_is_okabe_ito_for_the_four_tkis() -> None:
    assert TKI_DRUGS == ("anlotinib", "apatinib", "regorafenib", "pazopanib")
    assert DRUG_COLORS["anlotinib"] == "#0072B2"
    assert len(set(DRUG_COLORS.values())) == len(DRUG_COLORS)


def test_forest_chart_and_table(pool: core.ProportionPool) -> None:
    info = {LABELS[0]: {"label": "Chi 2018", "design": "single_arm"}}
    table = charts.forest_table(pool, drug="apatinib", outcome="orr", study_info=info)
    studies = table[table["kind"] == "study"]
    assert studies["est"].tolist() == pytest.approx([e / n for e, n in zip(EVENTS, N, strict=True)])
    assert studies["weight"].sum() == pytest.approx(100.0)
    assert studies["label"].iloc[0] == "Chi 2018" and studies["design"].iloc[0] == "Single-arm"
    assert list(table["kind"].iloc[-3:]) == ["random", "common", "pi"]
    assert table["est"].iloc[-3] == pytest.approx(pool.random.est)
    spec = _assert_shared_colours(
        charts.forest_chart(pool, drug="apatinib", outcome="orr", study_info=info)
    )
    assert {round(v, 12) for v in studies["est"]} <= _plotted_numbers(spec, "est")
    assert "NaN" not in " ".join(table["est_text"]) + " ".join(table["n_text"])


def test_forest_height_scales_with_rows() -> None:
    rng = np.random.default_rng(1)
    n = rng.integers(20, 80, size=40)
    events = rng.binomial(n, 0.2)
    big = core.pool_proportions(events, n, labels=[f"S{i}" for i in range(40)])
    spec = charts.forest_chart(big, drug="pazopanib", outcome="dcr").to_dict()
    heights = [c.get("height", 0) for c in spec["hconcat"]]
    assert min(heights) >= 40 * ROW_PX


def test_forest_of_medians_in_months() -> None:
    med = core.pool_medians(
        [4.0, 6.5, 8.0], [3.0, 5.0, 6.0], [5.5, 8.0, 11.0], labels=["A", "B", "C"]
    )
    table = charts.forest_table(med, drug="regorafenib", outcome="pfs_median")
    assert table["months"].all()
    assert table["est_text"].iloc[0] == "4.0 (3.0–5.5) mo"
    _assert_shared_colours(charts.forest_chart(med, drug="regorafenib", outcome="pfs_median"))


def test_subgroup_forest(pool: core.ProportionPool) -> None:
    groups = ["Bone"] * 5 + ["Soft tissue"] * 7
    sub = core.pool_subgroups(EVENTS, N, groups, labels=LABELS)
    table = charts.subgroup_forest_table(sub, drug="anlotinib", outcome="orr")
    assert table.loc[table["kind"] == "header", "label"].tolist() == ["Bone", "Soft tissue"]
    pooled = table[table["kind"] == "random"]
    assert pooled["est"].tolist() == pytest.approx(
        [
            sub.groups["Bone"].random.est,
            sub.groups["Soft tissue"].random.est,
            sub.overall.random.est,
        ]
    )
    spec = _assert_shared_colours(
        charts.subgroup_forest_chart(sub, drug="anlotinib", outcome="orr", by="histology")
    )
    assert "Test for subgroup differences" in str(spec["title"])


def test_leave_one_out(pool: core.ProportionPool) -> None:
    loo = core.leave_one_out(EVENTS, N, labels=LABELS)
    table = charts.leave_one_out_table(loo, pool, drug="anlotinib", outcome="orr")
    # the Design column holds designs (empty here), never I² values; I² has its own column
    assert not table["design"].str.contains("I²").any()
    assert table.loc[table["kind"] == "study", "i2_text"].str.endswith("%").all()
    assert table["est"].iloc[:-1].tolist() == pytest.approx([p.random.est for p in loo])
    assert table["label"].iloc[0] == f"Omitting {LABELS[0]}"
    assert table["est"].iloc[-1] == pytest.approx(pool.random.est)
    _assert_shared_colours(charts.leave_one_out_chart(loo, pool, drug="anlotinib", outcome="orr"))


#: a 390 px phone less Streamlit's 16 px side margins
PHONE_CONTENT_PX = 358


def _rows_of(spec: dict) -> list[dict]:
    """The forest table as drawn (the figure's top-level dataset)."""
    return spec["datasets"][spec["data"]["name"]]


def _phone_layout_checks(wide: alt.TopLevelMixin, narrow: alt.TopLevelMixin) -> dict:
    """The phone layout draws the wide one's numbers in three columns that fit a phone."""
    w, n = wide.to_dict(), narrow.to_dict()
    assert len(n["hconcat"]) == 3 and len(w["hconcat"]) > 3
    assert n["bounds"] == "flush"  # columns laid out by their set widths, overflow or not
    widths = [c["width"] for c in n["hconcat"]]
    assert widths == list(NARROW_COLUMNS.values())
    assert sum(widths) + n["spacing"] * 2 <= PHONE_CONTENT_PX
    title = n["title"]
    assert all(len(line) <= NARROW_TITLE_CHARS for line in title["text"])
    assert all(len(line) <= NARROW_SUBTITLE_CHARS for line in title["subtitle"])
    assert " ".join(title["text"]) == w["title"]["text"]  # wrapped, not cut
    wide_rows, narrow_rows = _rows_of(w), _rows_of(n)
    assert [r["est_text"] for r in narrow_rows] == [r["est_text"] for r in wide_rows]
    assert [r["est"] for r in narrow_rows] == [r["est"] for r in wide_rows]
    return {"wide": wide_rows, "narrow": narrow_rows, "spec": n}


def test_forest_phone_layout(pool: core.ProportionPool) -> None:
    forest = charts.forest_chart(pool, drug="apatinib", outcome="orr", method_text="DL " * 30)
    phone = charts.forest_chart(
        pool, drug="apatinib", outcome="orr", method_text="DL " * 30, narrow=True
    )
    rows = _phone_layout_checks(forest, phone)
    labels = {r["kind"]: r["label"] for r in rows["narrow"] if r["kind"] != "study"}
    # the method is in the subtitle: pooled rows are named short enough for the column
    assert labels == {
        "random": "Random effects",
        "common": "Common effect",
        "pi": "Prediction interval",
    }
    assert next(r["label"] for r in rows["wide"] if r["kind"] == "random").startswith(
        "Random effects ("
    )
    alt.HConcatChart.from_dict(rows["spec"], validate=True)  # a valid Vega-Lite spec


def test_subgroup_and_leave_one_out_phone_layouts(pool: core.ProportionPool) -> None:
    groups = ["Bone"] * 5 + ["Soft tissue"] * 7
    sub = core.pool_subgroups(EVENTS, N, groups, labels=LABELS)
    args = {"drug": "anlotinib", "outcome": "orr", "by": "histology"}
    rows = _phone_layout_checks(
        charts.subgroup_forest_chart(sub, **args),
        charts.subgroup_forest_chart(sub, **args, narrow=True),
    )
    pooled = [r["label"] for r in rows["narrow"] if r["kind"] == "random"]
    assert pooled == ["Random effects", "Random effects", "Overall"]  # under their headers
    loo = core.leave_one_out(EVENTS, N, labels=LABELS)
    rows = _phone_layout_checks(
        charts.leave_one_out_chart(loo, pool, drug="anlotinib", outcome="orr"),
        charts.leave_one_out_chart(loo, pool, drug="anlotinib", outcome="orr", narrow=True),
    )
    assert rows["narrow"][0]["label"] == LABELS[0]  # the column is headed "Study omitted"
    assert rows["spec"]["hconcat"][0]["title"]["text"] == "Study omitted"


def test_funnel_with_small_k_caveat(pool: core.ProportionPool) -> None:
    few = core.pool_proportions(EVENTS[:6], N[:6], labels=LABELS[:6])
    egger = core.egger_test(EVENTS[:6], N[:6], labels=LABELS[:6])
    table = charts.funnel_table(egger, few, drug="apatinib")
    pts = table[table["kind"] == "study"]
    assert pts["yi"].tolist() == pytest.approx([r.yi for r in egger.funnel])
    spec = _assert_shared_colours(charts.funnel_chart(egger, few, drug="apatinib", outcome="orr"))
    assert "low power" in str(spec["title"])
    egger_all = core.egger_test(EVENTS, N, labels=LABELS)
    spec_all = charts.funnel_chart(egger_all, pool, drug="apatinib", outcome="orr").to_dict()
    assert "low power" not in str(spec_all["title"])


def _compare_frame() -> pd.DataFrame:
    rows = [
        {
            "drug": "anlotinib",
            "outcome": "orr",
            "timepoint": np.nan,
            "est": 0.2,
            "ci_lb": 0.15,
            "ci_ub": 0.26,
            "k": 6,
            "n_patients": 300,
            "i2": 40.0,
        },
        {
            "drug": "apatinib",
            "outcome": "orr",
            "timepoint": np.nan,
            "est": 0.3,
            "ci_lb": 0.2,
            "ci_ub": 0.41,
            "k": 1,
            "n_patients": 40,
            "i2": np.nan,
        },
        {
            "drug": "anlotinib",
            "outcome": "pfs_rate",
            "timepoint": 6,
            "est": 0.5,
            "ci_lb": 0.4,
            "ci_ub": 0.6,
            "k": 3,
            "n_patients": 120,
            "i2": 10.0,
        },
        {
            "drug": "regorafenib",
            "outcome": "pfs_median",
            "timepoint": np.nan,
            "est": 4.6,
            "ci_lb": 3.8,
            "ci_ub": 5.5,
            "k": 4,
            "n_patients": 200,
            "i2": 20.0,
        },
    ]
    return pd.DataFrame(rows)


def test_comparison_chart_keeps_all_four_drugs() -> None:
    table = charts.comparison_table(_compare_frame())
    assert len(table) == 3 * len(TKI_DRUGS)
    orr = table[table["outcome"] == "orr"].set_index("drug")
    assert orr.loc["anlotinib", "status"] == "pooled"
    assert orr.loc["apatinib", "status"] == "single study, not pooled"
    assert orr.loc["pazopanib", "status"] == "no data"
    assert math.isnan(orr.loc["pazopanib", "est"])
    assert table.loc[table["outcome"] == "pfs_rate", "panel"].iloc[0] == "PFS at 6 months"
    spec = _assert_shared_colours(charts.comparison_chart(_compare_frame()))
    _assert_drug_shapes(spec)
    assert {0.2, 0.3, 0.5, 4.6} <= _plotted_numbers(spec, "est")


def _ae(terms: list[str], est: list[float], k: list[int]) -> pd.DataFrame:
    est_a = np.array(est)
    return pd.DataFrame(
        {
            "term": terms,
            "soc": "x",
            "k": k,
            "n": 100,
            "events": est_a * 100,
            "est": est_a,
            "ci_lb": est_a / 2,
            "ci_ub": est_a * 1.5,
        }
    )


def test_ae_panel_marks_unreported_terms_never_zero() -> None:
    ae = {
        "anlotinib": _ae(["Hypertension", "Anorexia"], [0.1, 0.03], [5, 1]),
        "apatinib": _ae(
            ["Hypertension", "Palmar-plantar erythrodysesthesia syndrome"], [0.2, 0.12], [4, 3]
        ),
        "regorafenib": _ae([], [], []),
    }
    table = charts.ae_panel_table(ae)
    assert table["term"].iloc[0] == "Hypertension"  # highest incidence first
    nr = table[table["status"] == "not reported"]
    assert nr["est"].isna().all() and (nr["text"] == "not reported").all()
    assert set(nr["drug"]) >= {"regorafenib", "pazopanib"}
    spec = _assert_shared_colours(charts.ae_panel_chart(ae))
    _assert_drug_shapes(spec)
    assert {0.1, 0.2, 0.12, 0.03} <= _plotted_numbers(spec, "est")
    assert charts.ae_panel_table(ae, top=1)["term"].unique().tolist() == ["Hypertension"]


def test_safety_chart_two_grade_bands() -> None:
    any_grade = {
        d: _ae(["Hypertension", "Fatigue"], [0.3 * s, 0.17 * s], [3, 2])
        for d, s in (("anlotinib", 1.0), ("pazopanib", 1.5))
    }
    grade3 = {
        d: _ae(["Hypertension"], [0.1 * s], [3])
        for d, s in (("anlotinib", 1.0), ("pazopanib", 1.5))
    }
    table = charts.safety_table(any_grade, grade3)
    assert set(table["grade_label"]) == {"All grades", "Grade ≥3"}
    assert table["term"].iloc[0] == "Hypertension"
    assert "Fatigue" not in set(table.loc[table["grade"] == "3plus", "term"])
    assert len(charts.safety_table(any_grade, grade3, drugs=["pazopanib"])) == 3
    spec = _assert_shared_colours(charts.safety_chart(any_grade, grade3))
    _assert_drug_shapes(spec)
    assert set(np.round(table["est"].astype(float), 12)) <= _plotted_numbers(spec, "est")
    one = charts.safety_chart(any_grade, grade3, top=1).to_dict()
    assert 0.17 not in _plotted_numbers(one, "est")


def _hr_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "drug": ["regorafenib", "anlotinib", "pazopanib", "anlotinib", "pazopanib"],
            "trial": ["REGOSARC", "ALTER0203", "PALETTE", "APROMISS", "PAPAGEMO"],
            "outcome": ["hr_pfs", "hr_pfs", "hr_os", "hr_pfs", "hr_pfs"],
            "population": ["lms", "all", "all", "synovial", "all"],
            "subgroup_line": [np.nan, "first", np.nan, np.nan, np.nan],
            "experimental": [
                *("regorafenib", "anlotinib", "pazopanib", "anlotinib"),
                "pazopanib+gemcitabine",
            ],
            "anchor": ["placebo", "placebo", "placebo", "dacarbazine", "pazopanib"],
            "estimate": [0.10, 0.33, 0.86, 0.449, 0.58],
            "ci_low": [0.03, np.nan, 0.67, 0.27, 0.36],
            "ci_high": [0.35, np.nan, 1.11, 0.744, 0.92],
            "location": ["abstract", "conference abstract (Results)", "abstract", "abstract", "¶5"],
            "note": ["", "HR vs placebo, p<0.0001; CI not given.", "p=0.25", "", ""],
        }
    )


def test_hazard_ratio_rows_name_the_drug_and_give_a_ci_or_a_reason() -> None:
    labels = {"lms": "Leiomyosarcoma", "synovial": "Synovial sarcoma"}
    table = charts.hazard_ratio_table(_hr_frame(), labels)
    assert table["row_label"].tolist() == [
        "Regorafenib vs placebo · REGOSARC|PFS, Leiomyosarcoma: 0.10 (0.03–0.35)",
        "Anlotinib vs placebo · ALTER0203|PFS, all patients, first line subgroup: 0.33 (no CI)",
        "Pazopanib vs placebo · PALETTE|OS, all patients: 0.86 (0.67–1.11)",
        "Anlotinib vs dacarbazine · APROMISS|PFS, Synovial sarcoma: 0.45 (0.27–0.74)",
        "Pazopanib + gemcitabine (adding gemcitabine to pazopanib) · PAPAGEMO|PFS, all patients: "
        "0.58 (0.36–0.92)",
    ]
    assert table["text"].iloc[1] == (
        "0.33, CI not reported in the source (conference abstract (Results)); p < 0.0001"
    )
    assert (table["reason"] != "").tolist() == [False, True, False, False, False]


def test_hazard_ratio_chart_is_labelled_anchored_and_clips_no_ci() -> None:
    spec = _assert_shared_colours(charts.hazard_ratio_chart(_hr_frame()))
    _assert_drug_shapes(spec)
    assert "Anchored, within trial" in str(spec["title"])
    assert {0.1, 0.33, 0.86} <= _plotted_numbers(spec, "estimate")
    # the log axis holds the lowest CI limit (0.03) and 1: no interval is clipped
    domains = [d["scale"]["domain"] for d in _walk(spec) if "domain" in d.get("scale", {})]
    log_domain = next(d for d in domains if isinstance(d[0], float) and d[0] < 1)
    assert log_domain[0] <= 0.03 and log_domain[1] >= 1.11
    # a legend names the drugs (colour and shape)
    legends = [
        d for d in _walk(spec) if d.get("field") == "drug_label" and d.get("legend") is not None
    ]
    assert legends


def test_preset_chart() -> None:
    presets = pd.DataFrame(
        {
            "drug": "anlotinib",
            "quantity": "ORR",
            "preset": ["Reference", "R meta", "metafor"],
            "est": [0.2, 0.18, 0.19],
            "ci_lb": [0.15, 0.13, 0.14],
            "ci_ub": [0.26, 0.25, 0.25],
            "k": 5,
        }
    )
    assert charts.preset_table(presets)["text"].iloc[0] == "20.0% (15.0–26.0)"
    spec = _assert_shared_colours(charts.preset_chart(presets))
    assert {0.2, 0.18, 0.19} <= _plotted_numbers(spec, "est")


def test_report_never_imports_streamlit() -> None:
    code = (
        "import sys; sys.modules['streamlit'] = None; "
        "import report.charts, report.colors; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr


def test_study_info_falls_back_to_enrolled_n_and_marks_user_rows() -> None:
    rows = pd.DataFrame(
        {
            "label": ["A 2020", "B 2021", "Mine (user)"],
            "design": ["single_arm", "retrospective", "single_arm"],
            "n": [40, float("nan"), 12],
            "n_enrolled": [42, 30, float("nan")],
            "user_supplied": [False, False, True],
        }
    )
    info = charts.study_info_from_rows(rows)
    assert [info[k]["n"] for k in ("A 2020", "B 2021", "Mine (user)")] == [40, 30, 12]
    assert info["Mine (user)"]["design"] == "user_supplied"
    assert info["B 2021"]["design"] == "retrospective"


def test_user_supplied_studies_are_drawn_hollow_in_forests() -> None:
    pool = core.pool_proportions(
        [3, 5, 2], [30, 40, 12], labels=["A 2020", "B 2021", "Mine (user)"]
    )
    info = {
        "A 2020": {"label": "A 2020", "design": "single_arm", "n": 30},
        "B 2021": {"label": "B 2021", "design": "retrospective", "n": 40},
        "Mine (user)": {"label": "Mine (user)", "design": "user_supplied", "n": 12},
    }
    table = charts.forest_table(pool, drug="anlotinib", outcome="orr", study_info=info)
    assert "User-supplied" in set(table["design"])
    spec = json.dumps(
        charts.forest_chart(pool, drug="anlotinib", outcome="orr", study_info=info).to_dict()
    )
    assert "datum.design == 'User-supplied'" in spec and '"fillOpacity"' in spec


def test_median_prediction_interval_never_reads_below_zero() -> None:
    # wide spread of medians: the random-effects prediction interval runs below 0 months
    med = core.pool_medians(
        [2.0, 14.0, 3.0, 12.0], [1.0, 11.0, 2.0, 9.0], [3.5, 17.0, 4.5, 15.0], labels=list("ABCD")
    )
    assert med.random.pi_lb < 0, "fixture must produce a negative lower prediction limit"
    table = charts.forest_table(med, drug="apatinib", outcome="pfs_median")
    pi = table[table["kind"] == "pi"].iloc[0]
    assert pi["ci_lb"] == 0.0 and "truncated at 0" in pi["label"]
    assert "−" not in pi["est_text"] and not pi["est_text"].startswith("-")
    assert "truncated at 0" in pi["est_text"]
    assert (table["ci_lb"].dropna() >= 0).all()


def test_altair_copy_without_unset_properties_gives_the_same_specs(pool, monkeypatch) -> None:
    # report.charts.altair_copy replaces Altair's deep copy (half of a chart's build time)
    from altair.utils import schemapi

    import tkidata
    from report.charts import altair_copy

    assert schemapi._deep_copy is altair_copy.deep_copy, "installed for the pinned Altair"
    ev = tkidata.load()
    lms = tkidata.tiered_compare(
        ev, tkidata.Filters(histology="lms", line="second"), tkidata.Method.preset("reference")
    )
    builders = (
        lambda: charts.comparison_chart(lms),
        lambda: charts.comparison_chart(_compare_frame(), side_by_side=True, text=15),
        lambda: charts.forest_chart(pool, drug="anlotinib", outcome="orr"),
        lambda: charts.funnel_chart(
            core.egger_test(EVENTS, N), pool, drug="anlotinib", outcome="orr"
        ),
    )

    def specs() -> list[str]:
        return [json.dumps(build().to_dict(), sort_keys=True) for build in builders]

    fast = specs()
    monkeypatch.setattr(schemapi, "_deep_copy", altair_copy.STOCK_COPY)
    assert specs() == fast


def test_value_axis_labels_sit_on_their_ticks() -> None:
    """The last label of a narrow forest plot's axis ran into the one before ("40%50%"): every
    value axis centres its labels on their ticks."""
    from report.charts.style import value_axis

    for months in (False, True):
        assert value_axis(months, "x").to_dict()["labelFlush"] is False


def test_altair_copy_gives_the_same_specs_for_every_slide_chart(monkeypatch) -> None:
    """The copy fills in its object instead of calling the class (which, for a layered or
    concatenated chart, moves data, parameters and sizes up again): every chart of a deck with
    its cumulative forests has the same spec with either copy."""
    from altair.utils import schemapi

    import tkidata
    from report.charts import altair_copy
    from report.deck import ChartSlide
    from report.view import compute_view, view_deck_content

    ev = tkidata.load()

    def specs(copy: object) -> list[str]:
        monkeypatch.setattr(schemapi, "_deep_copy", copy)
        view = compute_view(
            ev, tkidata.Filters(histology="lms", line="second"), tkidata.Method.preset("meta")
        )
        content = view_deck_content(view, date="2026-01-02", cumulative=True)
        charts = [s.chart for s in content.slides if isinstance(s, ChartSlide)]
        return [json.dumps(c.to_dict(validate=False), sort_keys=True) for c in charts]

    fast = specs(altair_copy.deep_copy)
    assert len(fast) >= 10
    assert specs(altair_copy.STOCK_COPY) == fast


def test_chart_rows_are_altairs_for_every_column_type() -> None:
    """report.charts.altair_data makes the rows Altair's own transformer makes."""
    from altair.vegalite.data import default_data_transformer

    from report.charts import altair_data

    frame = pd.DataFrame(
        {
            "f": [1.5, np.nan, np.inf, -np.inf],
            "i": np.array([1, 2, 3, 4], dtype="int64"),
            "b": [True, False, True, False],
            "s": pd.array(["a", None, "c", "d"], dtype="str"),
            "I": pd.array([1, None, 3, 4], dtype="Int64"),
            "B": pd.array([True, None, False, True], dtype="boolean"),
            "o": [np.float64(2.5), None, np.array([1, 2]), float("nan")],
            "m": ["x", np.int64(3), pd.NA, np.bool_(True)],
        }
    )
    fast = altair_data.values(frame)
    assert fast == default_data_transformer(frame)
    assert json.dumps(fast) == json.dumps(default_data_transformer(frame))
    assert [type(v) for v in fast["values"][0].values()] == [
        float,
        int,
        bool,
        str,
        int,
        bool,
        float,
        str,
    ]
    # a column of another type: the whole frame goes to Altair's transformer
    dated = frame.assign(d=pd.to_datetime(["2020-01-01"] * 4))
    assert altair_data.values(dated) == default_data_transformer(dated)
    stamped = frame.assign(o=[pd.Timestamp("2020-01-01")] * 4)  # so does an object column of dates
    assert altair_data._column(stamped["o"]) is None
    assert alt.data_transformers.active == altair_data.NAME, "installed for the pinned Altair"


def test_chart_rows_give_the_same_specs_for_every_slide_chart(monkeypatch) -> None:
    import tkidata
    from report.charts import altair_data
    from report.deck import ChartSlide
    from report.view import compute_view, view_deck_content

    ev = tkidata.load()
    view = compute_view(
        ev, tkidata.Filters(histology="synovial", line="second"), tkidata.Method.preset("meta")
    )
    content = view_deck_content(view, date="2026-01-02", cumulative=True)
    charts = [s.chart for s in content.slides if isinstance(s, ChartSlide)]

    def specs() -> list[str]:
        return [json.dumps(c.to_dict(validate=False), sort_keys=True) for c in charts]

    fast = specs()
    with alt.data_transformers.enable("default"):
        assert specs() == fast
    assert alt.data_transformers.active == altair_data.NAME
