"""Forest plots: one drug × outcome, its subgroups, leave-one-out and funnel plot."""

from functools import partial

import streamlit as st

from report import charts
from report.colors import TKI_DRUGS, drug_label
from tkidata.patient.tiers import unpooled_text
from tkidata.wording import no_study, outcome_label
from ui import cache, downloads, patient, render, trends
from ui.frame import page_frame
from ui.params import direct_only, url_selectbox

OUTCOMES = ("orr", "dcr", "pfs_median", "os_median", "pfs_rate", "os_rate")
MONTHS = (3, 6, 9, 12, 24)
SUBGROUP_BY = {
    "histology": "Bone vs soft tissue",
    "line": "Treatment line",
    "design": "Study design",
}

f, m = page_frame()
st.title("Forest plots")
pick_drug, pick_outcome, pick_months = st.columns([2, 2, 1])
drug = url_selectbox(pick_drug, "Drug", TKI_DRUGS, "drug", drug_label)
outcome = url_selectbox(pick_outcome, "Outcome", OUTCOMES, "outcome", outcome_label)
timepoint = None
if outcome.endswith("_rate"):
    timepoint = url_selectbox(pick_months, "At month", MONTHS, "months", index=1)
st.caption(f"{render.describe_filters(f)}  \nMethod: {m.describe()}")

direct = direct_only()
answer = cache.tiered_number(drug, outcome, timepoint, f, m, direct)
at_tiers = dict(cache.tier_results(drug, outcome, timepoint, f, m, direct))
what = outcome_label(outcome, timepoint)
tier = patient.tier_choice(answer, at_tiers, key="forest_tier")
result = at_tiers[tier]
if answer.tier is None:
    st.info(
        no_study(f"{drug_label(drug)}, {what}", direct_only=direct),
        icon=":material/filter_alt_off:",
    )
    st.caption(render.empty_hint(drug, what, f))
elif result.pool is None:
    st.info(
        f"{drug_label(drug)}, {what}: no pooled number at this tier."
        + (f" {unpooled_text(answer)}." if tier == answer.tier and unpooled_text(answer) else ""),
        icon=":material/info:",
    )
else:
    info = charts.study_info_from_rows(result.selection.rows)
    forest_tab, subgroup_tab, loo_tab, funnel_tab, cumulative_tab, metareg_tab = st.tabs(
        [
            "Forest plot",
            "Subgroups",
            "Leave-one-out",
            "Funnel plot & Egger",
            "Cumulative",
            "Meta-regression",
        ]
    )
    with forest_tab:
        forest = partial(
            charts.forest_chart,
            result.pool,
            drug=drug,
            outcome=outcome,
            timepoint=timepoint,
            study_info=info,
            method_text=render.method_for(outcome, m, k=result.k),
            tier_text=patient.tier_line(tier, f.histology),
        )
        view = cache.chart_view(
            ("forest_main", drug, outcome, timepoint),
            result.filters,
            m,
            lambda: (
                forest(),
                charts.forest_table(result.pool, drug=drug, outcome=outcome, study_info=info),
                forest(narrow=True),
            ),
        )
        render.view_with_table(
            view,
            key="forest_main",
        )
        downloads.reproduce_download(
            result,
            f"{drug_label(drug)} {what}",
            key="forest_reproduce",
            about=[
                f"{drug_label(drug)}: {what}",
                f"Filters: {render.describe_filters(f)}",
                f"Evidence tier: {patient.tier_line(tier, f.histology)}",
            ],
        )
    with subgroup_tab:
        by = st.radio(
            "Subgroups by",
            tuple(SUBGROUP_BY),
            format_func=SUBGROUP_BY.get,
            horizontal=True,
            key="forest_by",
        )
        sub = cache.subgroups(result, by)
        if sub is None:
            st.info(
                "A subgroup analysis needs a pooled proportion with studies in at least two "
                "subgroups.",
                icon=":material/info:",
            )
        else:
            subgroup_forest = partial(
                charts.subgroup_forest_chart,
                sub,
                drug=drug,
                outcome=outcome,
                timepoint=timepoint,
                by=SUBGROUP_BY[by].lower(),
                study_info=info,
            )
            view = cache.chart_view(
                ("forest_subgroups", drug, outcome, timepoint, by),
                result.filters,
                m,
                lambda: (
                    subgroup_forest(),
                    charts.subgroup_forest_table(sub, drug=drug, outcome=outcome, study_info=info),
                    subgroup_forest(narrow=True),
                ),
            )
            render.view_with_table(
                view,
                key="forest_subgroups",
            )
    loo, egger = cache.sensitivity(result)
    with loo_tab:
        if loo is None:
            st.info(
                "Leave-one-out needs a pooled proportion from at least 3 studies.",
                icon=":material/info:",
            )
        else:
            leave_one_out = partial(
                charts.leave_one_out_chart,
                loo,
                result.pool,
                drug=drug,
                outcome=outcome,
                timepoint=timepoint,
                study_info=info,
            )
            view = cache.chart_view(
                ("forest_loo", drug, outcome, timepoint),
                result.filters,
                m,
                lambda: (
                    leave_one_out(),
                    charts.leave_one_out_table(
                        loo, result.pool, drug=drug, outcome=outcome, study_info=info
                    ),
                    leave_one_out(narrow=True),
                ),
            )
            render.view_with_table(
                view,
                key="forest_loo",
            )
    with funnel_tab:
        if egger is None:
            st.info(
                "A funnel plot and Egger's test need a pooled proportion from at least 3 studies.",
                icon=":material/info:",
            )
        else:
            view = cache.chart_view(
                ("forest_funnel", drug, outcome, timepoint),
                result.filters,
                m,
                lambda: (
                    charts.funnel_chart(
                        egger, result.pool, drug=drug, outcome=outcome, timepoint=timepoint
                    ),
                    charts.funnel_table(egger, result.pool, drug=drug),
                ),
            )
            render.view_with_table(
                view,
                key="forest_funnel",
                caption="Fewer than 10 studies: Egger's test has low power."
                if egger.k < 10
                else None,
            )
    with cumulative_tab:
        trends.cumulative_tab(result, f, m)
    with metareg_tab:
        trends.metareg_tab(result, f, m)
    if m.glmm:
        st.caption(
            "Under the GLMM preset, subgroups and Egger's test use the two-step logit "
            "model with ML τ²."
        )

with st.expander("Where each number comes from", expanded=result.pool is None):
    render.sources(result)
