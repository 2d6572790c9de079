"""Compare (home): for the patient in the filters, what each TKI offers, side by side."""

import streamlit as st

from report import charts
from report.colors import TKI_DRUGS
from ui import cache, patient, render
from ui.frame import page_frame
from ui.params import direct_only

f, m = page_frame()
direct = direct_only()
summaries = cache.summary(f, m, direct)
st.title(patient.question(f))
caveat, link = st.columns([5, 1], vertical_alignment="center")
caveat.warning(patient.CAVEAT, icon=":material/warning:")
link.page_link(
    patient.HEAD_TO_HEAD_PAGE, label="Randomised, head to head", icon=":material/swap_horiz:"
)
patient.summary_cards(summaries, state=(f, m, direct), leads=cache.leading(f))
st.caption(
    f"{patient.tier_legend(f)} {'Direct evidence only.' if direct else ''}  \n"
    f"Method: {m.describe()}. Certainty is a provisional, computed GRADE-style rating "
    "(see Methods & validation)."
)

st.subheader("Every outcome")
st.caption(render.describe_filters(f))
table = cache.tiered_view(f, m, direct)
for drug, column in zip(TKI_DRUGS, st.columns(len(TKI_DRUGS), gap="medium"), strict=True):
    with column:
        render.drug_header(drug)
        for _, row in table[table["drug"] == drug].iterrows():
            render.pooled_number(row, f)
        st.caption(render.short_method(m))

st.subheader("Efficacy across drugs")
efficacy = cache.chart_view(
    ("compare_efficacy", direct),
    f,
    m,
    lambda: (charts.comparison_chart(table), charts.comparison_table(table)),
)
render.view_with_table(efficacy, key="compare_efficacy")

st.subheader("Grade ≥3 adverse events")
ae = {s.drug: s.adverse_events.table for s in summaries}
ae_view = cache.chart_view(
    ("compare_ae", direct), f, m, lambda: (charts.ae_panel_chart(ae), charts.ae_panel_matrix(ae))
)
matrix_tab, chart_tab = st.tabs(["Term × drug", "Chart"])
with matrix_tab:
    st.dataframe(ae_view.table, hide_index=True, key="compare_ae_matrix")
    st.caption(
        "Pooled incidence among the studies of each drug that reported the term, at each "
        f"drug's most direct tier ({patient.ae_tiers(summaries)}); “not reported”: no study "
        "of that drug reported it (not zero)."
    )
with chart_tab:
    render.chart(ae_view, key="compare_ae_chart")

st.subheader("Anchored, within trial: hazard ratios from randomised trials")
hr = cache.hazard_ratio_table(f)
if hr.empty:
    st.info("No randomised trial reports a hazard ratio under these filters.")
else:
    labels = cache.histology_labels()
    hr_view = cache.chart_view(
        "compare_hr",
        f,
        m,
        lambda: (charts.hazard_ratio_chart(hr, labels), charts.hazard_ratio_table(hr, labels)),
    )
    render.view_with_table(
        hr_view,
        key="compare_hr",
        caption="Each drug against its own trial's control arm (placebo, or the named "
        "chemotherapy, or the same drug alone); they do not compare the TKIs with each other.",
    )
