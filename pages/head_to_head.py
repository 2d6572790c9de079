"""Head to head: for the patient in the filters, the randomised evidence and what it compares."""

import streamlit as st

from report import charts
from report.head_to_head import hazard_ratio_rows
from ui import cache, patient, render
from ui.downloads import table_downloads
from ui.frame import page_frame

f, m = page_frame()
h2h = cache.head_to_head(f)
st.title(f"Head to head: {patient.patient_words(f)}")
st.caption(render.describe_filters(f) + " · the regimen and design filters do not apply here.")

st.subheader("Each drug's strongest randomised evidence")
for lead in h2h.leads:
    st.markdown(patient.lead_line(lead))

if not h2h.has_trials:
    st.info(
        "No randomised trial matches this patient's histology and line. Choose the histology "
        "group (soft tissue or bone) or “Any line” in the sidebar for the broader randomised "
        "evidence; Compare shows the single-arm evidence for this patient.",
        icon=":material/info:",
    )
    st.stop()

st.subheader("Each drug against its trial's control")
rows, labels = hazard_ratio_rows(h2h.evidence)
forest = cache.chart_view(
    "h2h_forest",
    f,
    m,
    lambda: (charts.hazard_ratio_chart(rows, labels), charts.hazard_ratio_table(rows, labels)),
)
render.view_with_table(
    forest,
    key="h2h_forest",
    caption="Hazard ratio below 1 favours the drug. Each trial's own control is named: placebo, "
    "a chemotherapy, or the same drug alone (an add-on trial); a line subgroup says so. "
    "“Evidence” says where the trial's population sits against this patient's histology.",
)

st.subheader("Drug against drug: anchored indirect comparisons")
for message in h2h.messages:
    st.warning(message[:1].upper() + message[1:] + ".", icon=":material/info:")
if h2h.league.empty:
    st.info("No two treatments of these trials share a control: no indirect comparison.")
else:
    network = cache.chart_view(
        "h2h_network",
        f,
        m,
        lambda: (charts.network_chart(h2h.indirect), charts.network_table(h2h.indirect)),
    )
    render.view_with_table(network, key="h2h_network")
    st.markdown("**League table: every pair of treatments (PFS)**")
    st.dataframe(h2h.league, hide_index=True, key="h2h_league")
    st.caption(
        "Hazard ratio of the first treatment against the second (below 1 favours the "
        "first); indirect comparisons go through the controls named (Bucher; a network "
        "meta-analysis where trials connect). No ranking: every comparison is shown with "
        "its interval and certainty."
    )
if not h2h.not_analysed.empty:
    st.markdown("**Listed, not analysed**")
    st.dataframe(h2h.not_analysed, hide_index=True, key="h2h_not_analysed")

if not h2h.matched.empty:
    st.subheader("Histology-matched comparisons")
    st.dataframe(h2h.matched, hide_index=True, key="h2h_matched")
    st.caption("Subtype against the same subtype, from each trial's subgroup or cohort.")

st.subheader("Are the trials comparable? (transitivity)")
st.dataframe(h2h.transitivity, hide_index=True, key="h2h_transitivity")
st.caption(
    "An indirect comparison holds only if the trials differ in nothing that changes the "
    "drug's effect: the last column says what differs."
)

st.subheader("Certainty per comparison (CINeMA, provisional)")
st.dataframe(h2h.certainty, hide_index=True, key="h2h_certainty")
st.caption(
    "Computed from the data by fixed rules (Methods & validation), not a panel's judgement: "
    "read it as a prompt for judgement. Imprecision is judged against hazard ratios of "
    "0.8–1.25 as not clinically important."
)

st.subheader("Absolute effects: progression-free per 100 patients")
if h2h.absolute.empty:
    st.info("No trial reports landmark PFS or a control median to model it from.")
else:
    st.dataframe(h2h.absolute, hide_index=True, key="h2h_absolute")
    st.caption(
        "“Observed”: landmark rates the trial reports; “modelled”: from the control median and "
        "the hazard ratio, assuming exponential PFS (can be far off for a subtype with a long "
        "tail). Number needed to treat = 100 ÷ difference per 100, rounded up."
    )
st.markdown("**Harms: grade ≥3 adverse events in both arms**")
if h2h.harms.empty:
    st.caption("No trial reports grade ≥3 events for both arms for this patient.")
else:
    st.dataframe(h2h.harms, hide_index=True, key="h2h_harms")
    st.caption("Number needed to harm = 100 ÷ difference per 100, rounded up.")

st.subheader("Guideline and regulatory standing")
if h2h.standing.empty:
    st.info("No page read states a guideline or regulatory standing for this patient.")
else:
    st.dataframe(
        h2h.standing,
        hide_index=True,
        key="h2h_standing",
        column_config={"Source": st.column_config.LinkColumn("Source")},
    )
if not h2h.not_verified.empty:
    with st.expander(f"Not verified ({len(h2h.not_verified)}): looked for, no page read states it"):
        st.dataframe(h2h.not_verified, hide_index=True, key="h2h_not_verified")

st.subheader("Risk of bias per trial (RoB 2)")
st.dataframe(h2h.risk_of_bias, hide_index=True, key="h2h_rob")
st.caption("Judged from what was read (abstracts, registries, news reports where no paper).")

st.subheader("Download")
table_downloads(h2h.tables(), f"head-to-head {patient.patient_words(f)}", key="h2h_downloads")
