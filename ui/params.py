"""The shared filters and method settings, their labels, and their place in the URL.

Every sidebar widget has one :class:`Param`: its query-parameter name, the values it accepts,
their labels and its default. :func:`sync_from_url` seeds the widgets from ``st.query_params``
(unknown values fall back to the default with a notice); :func:`write_to_url` writes the
current values back, so a view can be sent as a link.
"""

from __future__ import annotations

import streamlit as st

import tkidata
from report.params import (  # noqa: F401 (the shared vocabulary, as pages and tests read it)
    BY_NAME,
    CUSTOM,
    FILTER_PARAMS,
    PARAMS,
    PRESET_LABELS,
    SETTING_PARAMS,
    STATE_PREFIX,
    Param,
    defaults_for,
    filters_from,
    method_from,
    preset_settings,
)

_WRITTEN = "filter__url_written"
_NOTICES = "filter__notices"


def apply_preset() -> None:
    """Widget callback: a named preset resets the individual settings to the preset's."""
    preset = st.session_state[BY_NAME["preset"].key]
    if preset == CUSTOM:
        return
    for name, value in preset_settings(preset).items():
        st.session_state[BY_NAME[name].key] = value


def follow_settings() -> None:
    """Widget callback of every method setting: the preset radio shows what is in force."""
    st.session_state[BY_NAME["preset"].key] = current_method().preset_name or CUSTOM


def tab_values() -> dict[str, str]:
    """The settings a browser tab still shows when its session is new to this server.

    Behind a load balancer, a tab whose replica died reconnects to a live one as a new session
    (``make serve``). Its first rerun (a page switch, a changed widget) carries the values its
    sidebar widgets show, by widget id, but a new session knows no widget key yet. These are
    those values, mapped back from their labels, so the reader keeps their patient on the page
    they open next. Empty in a session that has drawn its sidebar, or when nothing was sent.

    Streamlit keeps a rerun's incoming widget values in its session state's internals (pinned
    version, ``requirements.txt``); when that shape changes this returns ``{}`` and the tab
    falls back to the URL and the defaults, as a fresh tab would.
    """
    if _WRITTEN in st.session_state:
        return {}
    try:
        from streamlit.runtime.state.session_state_proxy import get_session_state

        incoming = get_session_state()._state._new_widget_state.states
        by_key = {
            str(wid).rsplit("-", 1)[-1]: value.value.string_value
            for wid, value in incoming.items()
            if hasattr(getattr(value, "value", None), "string_value")
        }
    except (AttributeError, TypeError):  # another Streamlit's internals: no tab values
        return {}
    values: dict[str, str] = {}
    for param in PARAMS:
        by_label = {param.format(option): option for option in param.options}
        if by_key.get(param.key) in by_label:
            values[param.name] = by_label[by_key[param.key]]
    return values


def sync_from_url() -> list[str]:
    """Seed the widget state from the URL before the widgets are drawn.

    A URL value is adopted when it is new (first run of the session, a shared link, a page
    switch carrying parameters, browser history), not when it is the echo of what this session
    wrote last. Unknown values keep the current (or default) value and produce a notice.

    A tab reconnected to a new session (:func:`tab_values`) keeps what it shows: its widget
    values are adopted and its URL is taken as the echo it is, so a page switch (whose URL has
    no parameters) or a changed widget does not fall back to the defaults or the old link.

    Returns
    -------
    list of str
        Notices for unknown URL values, in words.
    """
    state = st.session_state
    url = {name: st.query_params.get(name) for name in BY_NAME}
    tab = tab_values()
    if tab:
        state.update({BY_NAME[name].key: value for name, value in tab.items()})
        state[_WRITTEN] = {name: raw for name, raw in url.items() if raw is not None}
    written: dict[str, str] = state.get(_WRITTEN, {})
    notices: list[str] = []
    preset = BY_NAME["preset"]
    raw_preset = url["preset"]
    adopt = raw_preset != written.get("preset") or preset.key not in state
    if raw_preset is not None and raw_preset in preset.options and adopt:
        state[preset.key] = raw_preset
        if raw_preset != CUSTOM:
            for name, value in preset_settings(raw_preset).items():
                state[BY_NAME[name].key] = value
    state.setdefault(preset.key, preset.default)
    defaults = defaults_for({"preset": state[preset.key]})
    for param in PARAMS:
        raw = url[param.name]
        if raw is not None and raw not in param.options:
            notices.append(
                f"Unknown {param.label.lower()} “{raw}” in the link: showing "
                f"“{param.format(state.get(param.key, defaults[param.name]))}” instead."
            )
        elif raw is not None and (raw != written.get(param.name) or param.key not in state):
            state[param.key] = raw
        state.setdefault(param.key, defaults[param.name])
    state[preset.key] = current_method().preset_name or CUSTOM
    state[_NOTICES] = notices
    return notices


def write_to_url() -> None:
    """Write every non-default value to the URL and drop defaults (only when changed)."""
    state = st.session_state
    values = {p.name: state[p.key] for p in PARAMS}
    defaults = defaults_for(values)
    wanted = {k: v for k, v in values.items() if v != defaults[k]}
    for name in BY_NAME:
        have = st.query_params.get(name)
        if name in wanted and have != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and have is not None:
            del st.query_params[name]
    state[_WRITTEN] = values


def current_filters() -> tkidata.Filters:
    """The filters in force, as the analysis layer's frozen ``Filters``."""
    return filters_from(filter_values())


def direct_only() -> bool:
    """True when the reader asked for direct evidence only (no broader tiers)."""
    return st.session_state[BY_NAME["direct"].key] == "yes"


def current_method() -> tkidata.Method:
    """The method in force, as the analysis layer's frozen ``Method``."""
    return method_from(filter_values())


def filter_values() -> dict[str, str]:
    """The current URL values of the filters and method settings (for links between pages)."""
    return {p.name: st.session_state[p.key] for p in PARAMS}


def url_selectbox(
    container: st.delta_generator.DeltaGenerator,
    label: str,
    options: tuple[object, ...],
    key: str,
    format_func: object = str,
    index: int = 0,
) -> object:
    """A page-level selectbox kept in the URL under its key (``?drug=apatinib``).

    The URL value is adopted when it is new (a link, not this session's own echo); an unknown
    value is ignored. The current choice is written back, so the view can be shared.
    """
    by_text = {str(o): o for o in options}
    seen = f"{key}__url_written"
    raw = st.query_params.get(key)
    if raw in by_text and (raw != st.session_state.get(seen) or key not in st.session_state):
        st.session_state[key] = by_text[raw]
    st.session_state.setdefault(key, options[index])
    value = container.selectbox(label, options, format_func=format_func, key=key)
    if st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)
    st.session_state[seen] = str(value)
    return value
