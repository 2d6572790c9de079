"""The shared sidebar: filters and the method preset with its adjustable settings."""

from __future__ import annotations

import streamlit as st

from ui.params import BY_NAME, SETTING_PARAMS, Param, apply_preset, current_method, follow_settings


def _select(param: Param, **kwargs: object) -> None:
    st.selectbox(
        param.label,
        param.options,
        format_func=param.format,
        key=param.key,
        help=param.help or None,
        **kwargs,
    )


def _radio(param: Param) -> None:
    st.radio(
        param.label,
        param.options,
        format_func=param.format,
        key=param.key,
        horizontal=True,
        help=param.help,
    )


def draw_sidebar() -> None:
    """Draw the filter and method widgets (their state is seeded from the URL beforehand)."""
    with st.sidebar:
        st.subheader("Patients and studies")
        _select(BY_NAME["histology"])
        _select(BY_NAME["line"])
        for name in ("mixed", "direct"):
            _radio(BY_NAME[name])
        for name in ("design", "regimen", "age", "assess"):
            _select(BY_NAME[name])
        _radio(BY_NAME["quoted"])
        st.subheader("Method")
        preset = BY_NAME["preset"]
        st.radio(
            preset.label,
            preset.options,
            format_func=preset.format,
            key=preset.key,
            on_change=apply_preset,
            label_visibility="collapsed",
        )
        # a stable label and key keep the panel open while its settings change
        with st.expander("Adjust settings", key="sidebar_settings", on_change="rerun"):
            for name in SETTING_PARAMS:
                _select(BY_NAME[name], on_change=follow_settings)
        st.caption(f"In force: {current_method().describe()}")
