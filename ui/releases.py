"""Data releases in the app: the footer stamp, a shared link's release, the What's new page.

A link records the data release it was made with (``?release=2.2``); opening it after a newer
release says so and links to what changed (``/whats_new?since=2.2``).
"""

from __future__ import annotations

import streamlit as st

from tkidata.living import releases as rel

PARAM = "release"
SINCE = "since"
PAGE = "pages/whats_new.py"


def _stamp() -> tuple[tuple[str, int], ...]:
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in rel.RELEASES_DIR.glob("*.json")))


@st.cache_data(show_spinner=False, max_entries=4)
def _history(stamp: tuple[tuple[str, int], ...]) -> list[dict]:
    return rel.history()


def history() -> list[dict]:
    """Every release with what it changed, newest first (cached until a release file changes)."""
    return _history(_stamp())


def current() -> dict | None:
    """The latest release entry of :func:`history`, or None."""
    entries = history()
    return entries[0] if entries else None


def label() -> str:
    """``data release 2.2 of 2026-12-06``."""
    return rel.release_label(current())


def link_notice() -> None:
    """Say when a shared link was made with an older release, then record the current one."""
    release = current()
    if release is None:
        return
    raw = st.query_params.get(PARAM)
    known = {r["version"] for r in history()}
    if raw is not None and raw != release["version"]:
        if raw in known:
            st.info(
                f"This link was made with data release {raw}; the data have changed since "
                f"(now {rel.release_label(release)}).",
                icon=":material/update:",
            )
            st.page_link(
                PAGE,
                label=f"What changed since {raw}",
                icon=":material/update:",
                query_params={SINCE: raw},
            )
        else:
            st.info(
                f"This link names data release “{raw}”, which is not one of this app's "
                f"releases; showing {rel.release_label(release)}.",
                icon=":material/update:",
            )
    if raw != release["version"]:
        st.query_params[PARAM] = release["version"]


def footer() -> None:
    """``Data release X of DATE`` under every page, with a link to what changed."""
    st.caption(f"Data: {label()}")
    st.page_link(PAGE, label="What's new in the data", icon=":material/update:")
