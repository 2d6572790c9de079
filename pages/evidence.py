"""Evidence: every study arm with its design, population, key numbers and source."""

import streamlit as st

from report import charts
from report.colors import DRUG_COLORS, drug_label
from tkidata.analyses.evidence_table import select_evidence
from ui import cache, patient, render, user_studies
from ui.frame import page_frame
from ui.params import direct_only

DESIGNS = ("rct_arm", "single_arm", "retrospective", "case_report")

f, m = page_frame()
st.title("Evidence")
st.caption(
    "Every curated study arm, all drugs. Filter here, or arrive from a pooled number "
    "elsewhere to see exactly the studies behind it."
)
direct = direct_only()
table = cache.patient_evidence_table(f, m, direct)
requested = tuple(s for s in (st.query_params.get("studies") or "").split(",") if s)
if requested:
    known = set(table["study_id"])
    st.info(
        f"Showing the {len(requested)} studies behind the number you opened."
        + ("" if set(requested) <= known else " Some requested ids are unknown."),
        icon=":material/filter_alt:",
    )
    number = patient.parse_number(st.query_params.get("number"))
    if number is not None:
        drug, outcome, months = number
        patient.number_section(cache.tiered_number(drug, outcome, months, f, m, direct))
    if st.button("Show all studies", key="evidence_show_all"):
        del st.query_params["studies"]
        if "number" in st.query_params:
            del st.query_params["number"]
        st.rerun()

search, pick_drugs, pick_designs = st.columns([2, 3, 3])
text = search.text_input("Search", key="evidence_text", placeholder="Author, trial, id…")
drugs = pick_drugs.multiselect(
    "Drugs",
    tuple(DRUG_COLORS),
    default=tuple(DRUG_COLORS),
    format_func=drug_label,
    key="evidence_drugs",
)
designs = pick_designs.multiselect(
    "Designs", DESIGNS, default=DESIGNS, format_func=render.design_word, key="evidence_designs"
)
only = st.toggle(
    "Only the arms behind this patient's numbers",
    key="evidence_only_entering",
    help="The study arms behind each number shown for the patient in the sidebar (Compare, "
    "Forest, Safety, the exports), each at its most direct tier of evidence; the column "
    f"“Behind this patient's numbers” says what each arm serves and at which tier. "
    f"{render.describe_filters(f)}",
)
choice = {
    "study_ids": requested or None,
    "drugs": tuple(drugs),
    "designs": tuple(designs),
    "only_entering": only,
    "text": text,
}
state = ("evidence_rows", f, m, direct, *choice.values())
shown = cache.view_part(state, lambda: select_evidence(table, **choice))
if shown.empty:
    st.info(
        "No study arm matches: clear the search or widen the drug and design choices.",
        icon=":material/filter_alt_off:",
    )
else:
    render.evidence_frame(shown, key="evidence_table", view=state)
    st.caption(f"{len(shown)} of {len(table)} study arms · {cache.version()}")

st.subheader("How the studies were found")
st.caption(
    "A documented search per drug (queries, what each returned, and the decision on every "
    "record) is kept as data beside the studies; the flow below is drawn from it."
)
counts = cache.search_counts()
prisma = cache.chart_view(
    "prisma", f, m, lambda: (charts.prisma_chart(counts), charts.prisma_table(counts))
)
render.view_with_table(prisma, key="evidence_prisma")

# The what-if section (user-supplied studies, issue 8) goes below this divider.
st.divider()
user_studies.section(cache.evidence(), f)
