"""The session's user-supplied studies ("what if"): storage, entry widgets and the banner.

Valid rows live only in ``st.session_state`` under :data:`STATE_KEY` (never on disk, never in a
module-level object): each browser session has its own. ``ui.cache.session_evidence`` merges
them into the evidence the session sees, and every cached analysis is keyed by that evidence's
fingerprint (the data's and :func:`token`), so one session's studies never answer another
session's request.

Labels are user text: they are shown only through ``st.dataframe`` (plain text cells) and chart
text marks, never through Markdown or HTML.

Stable keys for browser tests: ``whatif_template`` (template download), ``whatif_upload_<n>``
(the file uploader, re-keyed after each upload), ``whatif_paste`` + ``whatif_paste_add``
(pasted CSV text), ``whatif_editor_<n>`` + ``whatif_add_rows`` (typed rows),
``whatif_problems`` (rejected rows), ``whatif_studies_table``, ``whatif_remove_all`` and
``whatif_banner_remove`` (one-click removal), ``whatif_download``.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from report.tables import CSV_MIME, csv_bytes
from tkidata import Evidence, Filters
from tkidata.patient.filters import filter_reasons
from tkidata.store import user_studies as us

_LOG = logging.getLogger(__name__)
STATE_KEY = "whatif_studies"
"""Session-state key of the validated user studies (a DataFrame, :data:`us.STUDY_COLUMNS`)."""
_PROBLEMS_KEY = "whatif_last_problems"
_MESSAGE_KEY = "whatif_last_message"
_ROUND_KEY = "whatif_round"
_PENDING_KEY = "whatif_pending_rows"


def held() -> pd.DataFrame | None:
    """The session's user studies, or None when there are none (no empty table is built);
    read-only (``ui.cache.session_evidence`` merges them into the evidence the session sees)."""
    studies = st.session_state.get(STATE_KEY)
    return studies if isinstance(studies, pd.DataFrame) and not studies.empty else None


def stored() -> pd.DataFrame:
    """The session's valid user studies (empty table when there are none)."""
    studies = held()
    return us.empty_studies() if studies is None else studies


def token() -> str:
    """A digest of the session's user studies ("" when none), for cache keys of views."""
    studies = held()
    return "" if studies is None else us.batch_digest(studies)


def count() -> int:
    """Number of user studies in this session."""
    studies = held()
    return 0 if studies is None else len(studies)


def labels() -> tuple[str, ...]:
    """Labels of the session's user studies, in the order added."""
    return tuple(stored()["study_label"].astype(str))


def clear() -> None:
    """Remove every user study of this session (and the last messages about them)."""
    for key in (STATE_KEY, _PROBLEMS_KEY, _MESSAGE_KEY, _PENDING_KEY):
        st.session_state.pop(key, None)
    st.session_state[_ROUND_KEY] = st.session_state.get(_ROUND_KEY, 0) + 1


def what_if_note() -> str:
    """One line for exports and captions; empty when the session has no user studies."""
    n = count()
    if not n:
        return ""
    plural = "study" if n == 1 else "studies"
    return (
        f"WHAT-IF: includes {n} user-supplied {plural} not in the curated evidence "
        f"({', '.join(labels())})"
    )


def banner() -> None:
    """On every page: how many user studies are included, with a one-click removal."""
    n = count()
    if not n:
        return
    text, button = st.columns([4, 1], vertical_alignment="center")
    plural = "study" if n == 1 else "studies"
    text.warning(
        f"{n} user-supplied {plural} included — not curated. Every pooled number, chart and "
        "export on every page includes them, marked “(user)”.",
        icon=":material/science:",
    )
    button.button(
        "Remove them",
        key="whatif_banner_remove",
        on_click=clear,
        icon=":material/delete:",
    )


def _round() -> int:
    return int(st.session_state.get(_ROUND_KEY, 0))


def _accept(parsed: us.ParsedStudies, source: str) -> None:
    """Keep the valid rows, remember the problems for display, re-key the entry widgets."""
    st.session_state[STATE_KEY] = us.combine(stored(), parsed.studies)
    st.session_state[_PROBLEMS_KEY] = parsed.problems
    kept = len(parsed.studies)
    st.session_state[_MESSAGE_KEY] = (
        f"{source}: {kept} of {parsed.rows_read} rows added, {len(parsed.problems)} "
        f"problem{'s' if len(parsed.problems) != 1 else ''}."
        if parsed.rows_read
        else f"{source}: no row added."
    )
    st.session_state[_ROUND_KEY] = _round() + 1


FORMAT_INTRO = (
    "One study arm per row, header row first, as an Excel workbook (*.xlsx*, first sheet) or "
    "saved as *CSV UTF-8* (comma, semicolon or tab separated; decimal commas in a semicolon "
    f"file are fine); at most {us.MAX_BYTES // 2**20} MB and {us.MAX_ROWS} rows. Rows are checked "
    "one by one: valid rows are used, each rejected row is listed with its row number and the "
    "reason. Your studies stay in this browser session only: nothing is saved on the server, no "
    "other user sees them, and closing the tab, or a restart of the server, discards them "
    "(download them below to reuse)."
)


def _problems() -> None:
    message = st.session_state.get(_MESSAGE_KEY)
    if message:
        st.text(message)
    problems: tuple[us.RowProblem, ...] = st.session_state.get(_PROBLEMS_KEY, ())
    if problems:
        st.warning(
            f"{len(problems)} row{'s' if len(problems) != 1 else ''} rejected: fix and add again.",
            icon=":material/error:",
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "Where": [p.where for p in problems],
                    "Study label": [p.label for p in problems],
                    "Why": [p.reason for p in problems],
                }
            ),
            hide_index=True,
            key="whatif_problems",
            column_config={"Why": st.column_config.TextColumn("Why", width="large")},
        )


def _read(data: bytes, name: str, curated: Evidence) -> us.ParsedStudies:
    """Read an upload; a failure of the reader itself is one file problem, never a traceback.

    ``us.read_upload`` answers every file with rows and reasons (property-tested); this guard
    keeps a reader bug from putting server paths on the page. It logs one line, no traceback.
    """
    try:
        return us.read_upload(data, name, curated.vocab, _taken(curated))
    except Exception as err:  # defensive: the page must never show a traceback
        _LOG.error("user-study upload could not be read: %s", type(err).__name__)
        return us.ParsedStudies(
            us.empty_studies(),
            (us.RowProblem(0, "", "this file could not be read; no row was added"),),
            0,
        )


def _taken(curated: Evidence) -> tuple[str, ...]:
    """Labels a new user study may not have: those of the session's studies and the ids of the
    curated study arms (a user study's label is its id in the evidence the session sees)."""
    return (*labels(), *curated.studies["study_id"].astype(str))


def _upload_tab(curated: Evidence) -> None:
    upload = st.file_uploader(
        f"CSV or Excel file (.csv, .xlsx; at most {us.MAX_BYTES // 2**20} MB, {us.MAX_ROWS} rows)",
        key=f"whatif_upload_{_round()}",
        max_upload_size=us.MAX_BYTES // 2**20,
    )
    if upload is not None:
        _accept(_read(upload.getvalue(), upload.name, curated), upload.name)
        st.rerun()
    with st.expander("…or paste CSV text"):
        text = st.text_area(
            "CSV text with its header row", key=f"whatif_paste_{_round()}", height=150
        )
        if st.button("Add pasted rows", key="whatif_paste_add") and text.strip():
            data = text.encode("utf-8")
            _accept(_read(data, "pasted.csv", curated), "Pasted text")
            st.rerun()


def _editor_tab(curated: Evidence) -> None:
    pending = st.session_state.get(_PENDING_KEY)
    start = pending if isinstance(pending, pd.DataFrame) else us.entry_frame()
    edited = st.data_editor(
        start,
        num_rows="dynamic",
        hide_index=True,
        key=f"whatif_editor_{_round()}",
        column_config={c: st.column_config.TextColumn(c) for c in start.columns},
    )
    st.caption(
        "Add a row with ＋, type one study per row; rows that fail the checks stay here to fix."
    )
    if st.button("Add these rows", key="whatif_add_rows"):
        parsed = us.validate_table(edited, curated.vocab, _taken(curated))
        rejected = {p.row for p in parsed.problems}
        keep = [i for i in range(len(edited)) if i + 1 in rejected]
        st.session_state[_PENDING_KEY] = edited.iloc[keep].reset_index(drop=True)
        _accept(parsed, "Typed rows")
        st.rerun()


def _download_frame(studies: pd.DataFrame) -> pd.DataFrame:
    """The studies in the upload format, so a download can be uploaded again."""
    out = studies.drop(columns=["histology_group", "pfs_upper_not_reached"]).astype(object)
    out.loc[studies["pfs_upper_not_reached"].to_numpy(), "pfs_ci_high"] = "NR"
    return out


def _current(f: Filters) -> None:
    studies = stored()
    if studies.empty:
        st.caption("No user studies in this session.")
        return
    shown = studies.drop(columns=["histology_group"]).copy()
    shown.insert(
        1,
        "enters_pools",
        ["; ".join(filter_reasons(s, f)) or "yes" for _, s in studies.iterrows()],
    )
    st.dataframe(
        shown,
        hide_index=True,
        key="whatif_studies_table",
        column_config={
            "study_label": st.column_config.TextColumn("Study label (user)", pinned=True),
            "enters_pools": st.column_config.TextColumn("Enters under the filters"),
            "pfs_upper_not_reached": st.column_config.CheckboxColumn("PFS upper CI not reached"),
        },
    )
    remove, download = st.columns(2)
    remove.button(
        "Remove all user studies",
        key="whatif_remove_all",
        on_click=clear,
        icon=":material/delete:",
        type="primary",
    )
    download.download_button(
        "Download your studies (CSV)",
        data=csv_bytes(_download_frame(studies)),
        file_name="my_studies.csv",
        mime=CSV_MIME,
        key="whatif_download",
        on_click="ignore",
        icon=":material/download:",
    )


def section(curated: Evidence, f: Filters) -> None:
    """The Evidence page's "Add your own studies" section: format, template, entry, removal
    (``curated``: the curated evidence, whose vocabularies and study ids new rows are checked
    against)."""
    st.subheader("Add your own studies (what if)")
    st.caption(
        "See how the pooled estimates move with a study that is not in the curated data yet, "
        "for this browser session only. Added studies are marked “(user)” everywhere."
    )
    with st.expander("CSV format and template", expanded=count() == 0):
        st.markdown(FORMAT_INTRO)
        st.dataframe(
            pd.DataFrame(us.FORMAT, columns=["Column", "Required", "Values"]),
            hide_index=True,
            key="whatif_format",
            column_config={"Values": st.column_config.TextColumn("Values", width="large")},
        )
        st.download_button(
            "Download the template (CSV)",
            data=us.template_csv(),
            file_name="user_studies_template.csv",
            mime=CSV_MIME,
            key="whatif_template",
            on_click="ignore",
            icon=":material/download:",
        )
    upload_tab, editor_tab = st.tabs(["Upload a file", "Type rows"])
    with upload_tab:
        _upload_tab(curated)
    with editor_tab:
        _editor_tab(curated)
    _problems()
    st.markdown("**User studies in this session**")
    _current(f)
