"""What's new: each data release, the studies it added and removed, the values it corrected,
the headline numbers it moved and each drug's search date."""

import streamlit as st

from tkidata.living import releases as rel
from ui import releases
from ui.frame import page_frame

page_frame()
st.title("What's new")
entries = releases.history()
if not entries:
    st.info("No data release has been recorded yet.", icon=":material/info:")
    st.stop()
latest = entries[0]
st.markdown(
    f"The data in force: **{rel.release_label(latest)}** (current). Each release records its "
    "search dates, every study arm, a digest of every value and the headline pooled numbers "
    "(reference method); what changed is computed from two releases, never typed."
)


def show(diff: dict, key: str) -> None:
    """One release's changes: studies, corrections, moved numbers, search dates."""
    added, removed = diff["studies_added"], diff["studies_removed"]
    st.markdown(
        f"**{len(added)}** study arm{'s' * (len(added) != 1)} added · **{len(removed)}** "
        f"removed · **{len(diff['corrected'])}** value{'s' * (len(diff['corrected']) != 1)} "
        f"corrected · **{len(diff['moved'])}** headline number"
        f"{'s' * (len(diff['moved']) != 1)} moved"
    )
    if added:
        st.markdown("**Studies added**")
        st.dataframe(rel.studies_frame(added), hide_index=True, key=f"{key}_added")
    if removed:
        st.markdown("**Studies removed**")
        st.dataframe(rel.studies_frame(removed), hide_index=True, key=f"{key}_removed")
    if diff["corrected"]:
        st.markdown("**Values corrected** (old → new, with the new value's source)")
        st.dataframe(rel.corrected_frame(diff), hide_index=True, key=f"{key}_corrected")
    other = (
        [
            f"{n} {table.replace('_', ' ')} row{'s' * (n != 1)} added"
            for table, n in diff["rows_added"].items()
        ]
        + [
            f"{n} {table.replace('_', ' ')} row{'s' * (n != 1)} removed"
            for table, n in diff["rows_removed"].items()
        ]
        + [
            f"{n} {table.replace('_', ' ')} row{'s' * (n != 1)} reworded (notes, sources)"
            for table, n in diff["reworded"].items()
        ]
    )
    if other:
        st.caption("Also: " + "; ".join(other) + ".")
    if diff["moved"]:
        st.markdown(
            "**Headline numbers that moved** (random effects, reference method, default "
            "filters; before → after)"
        )
        st.dataframe(rel.moved_frame(diff), hide_index=True, key=f"{key}_moved")
    st.markdown("**Search dates**")
    st.dataframe(rel.search_frame(diff), hide_index=True, key=f"{key}_search")


since = st.query_params.get(releases.SINCE)
if since is not None:
    try:
        diff = rel.changes_since(since)
    except rel.ReleaseError as err:
        st.warning(str(err), icon=":material/warning:")
    else:
        st.subheader(f"Changed since release {since}")
        show(diff, "since")

st.subheader("Releases")
for i, entry in enumerate(entries):
    head = f"Release {entry['version']} of {entry['date']}: {entry['title']}"
    with st.expander(head + (" (current)" if i == 0 else ""), expanded=i == 0):
        if entry["notes"]:
            st.markdown("\n".join(f"- {note}" for note in entry["notes"]))
        arms = ", ".join(f"{d} {n}" for d, n in entry["arms"].items())
        st.caption(
            f"Study arms: {arms}. Data read from git commit {entry['commit'] or 'working tree'}"
            + (f"; compared with release {entry['from']}." if entry["from"] else ".")
        )
        show(entry, f"release_{entry['version'].replace('.', '_')}")
