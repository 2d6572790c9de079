"""The shared filters and method settings, their labels, and their place in the URL.

Every sidebar widget has one :class:`Param`: its query-parameter name, the values it accepts,
their labels and its default. :func:`sync_from_url` seeds the widgets from ``st.query_params``
(unknown values fall back to the default with a notice); :func:`write_to_url` writes the
current values back, so a view can be sent as a link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

import tkidata
from tkidata.method import PRESETS
from tkidata.wording import (
    AGE_LABELS,
    LINE_LABELS,
    MEAN_N_LABELS,
    PRESET_LABELS,
    REGIMEN_LABELS,
    STUDY_CI_LABELS,
    TAU2_LABELS,
    TEST_LABELS,
    TRANSFORM_LABELS,
)

STATE_PREFIX = "filter_"
CUSTOM = "custom"
"""The preset value of settings adjusted by hand (equal to no named preset)."""
_WRITTEN = "filter__url_written"
_NOTICES = "filter__notices"


@dataclass(frozen=True)
class Param:
    """One shared setting: URL name, accepted values (in display order), labels and default."""

    name: str
    label: str
    options: tuple[str, ...]
    labels: Mapping[str, str]
    default: str
    help: str = ""

    @property
    def key(self) -> str:
        """The widget key in ``st.session_state``."""
        return STATE_PREFIX + self.name

    def format(self, value: str) -> str:
        """The label shown for a value."""
        return self.labels.get(value, value)


def _histology_param() -> Param:
    vocab = tkidata.load_vocab()
    group_words = {"sts": "Soft tissue", "bone": "Bone"}
    labels = {
        "all": "All histologies",
        "sts": "Soft tissue sarcoma (all)",
        "bone": "Bone sarcoma (all)",
    }
    codes = []
    for group in ("sts", "bone"):
        sub = vocab.histology[vocab.histology["group"] == group]
        for code, label in zip(sub["code"], sub["label"], strict=True):
            codes.append(code)
            labels[code] = f"{group_words[group]} · {label}"
    return Param(
        "histology",
        "Histology",
        ("all", "sts", "bone", *codes),
        labels,
        "all",
        "A mixed-histology study contributes only what it reports for this histology.",
    )


def _build_params() -> tuple[Param, ...]:
    return (
        _histology_param(),
        Param(
            "line",
            "Treatment line",
            ("any", "first", "second", "later"),
            {code: LINE_LABELS[code] for code in ("any", "first", "second", "later")},
            "any",
            "Studies that do not report the line enter only under 'Any line'.",
        ),
        Param(
            "mixed",
            "Include trials of a span of lines",
            ("yes", "no"),
            {"yes": "Yes", "no": "No"},
            "yes",
            "A trial of patients treated 'after at least one prior line' is evidence for a "
            "second-line patient. No: only trials of exactly this line.",
        ),
        Param(
            "direct",
            "Evidence shown",
            ("no", "yes"),
            {"no": "Most direct available", "yes": "Direct evidence only"},
            "no",
            "Most direct available: the subtype's own cohorts and subgroups first, else its "
            "histology group, else all sarcoma, each labelled. Direct only: the subtype's own "
            "evidence, nothing broader.",
        ),
        Param(
            "assess",
            "Assessments pooled",
            ("like", "mix"),
            {"like": "Like with like", "mix": "Allow mixing (flagged)"},
            "like",
            "Like with like: best overall response apart from response at a fixed week, "
            "Kaplan–Meier landmarks apart from crude or 12-week rates.",
        ),
        Param(
            "design",
            "Study design",
            ("all", "prospective", "rct"),
            {
                "all": "All designs",
                "prospective": "Prospective only (RCT + single-arm)",
                "rct": "RCT arms only",
            },
            "all",
            "Case reports never enter a pool.",
        ),
        Param(
            "regimen",
            "Regimen",
            ("monotherapy", "maintenance", "combination", "any"),
            REGIMEN_LABELS,
            "monotherapy",
        ),
        Param(
            "age",
            "Age group",
            ("all", "adult", "paediatric"),
            {code: AGE_LABELS[code] for code in ("all", "adult", "paediatric")},
            "all",
            "Studies mixing adults and children enter only under 'All ages'.",
        ),
        Param(
            "preset",
            "Method preset",
            (*PRESETS, CUSTOM),
            {**PRESET_LABELS, CUSTOM: "Adjusted by hand (see the settings below)"},
            "reference",
            "A preset sets every method setting; changing a setting by hand selects "
            "“Adjusted by hand”.",
        ),
        Param("transform", "Transformation", tuple(TRANSFORM_LABELS), TRANSFORM_LABELS, "PFT"),
        Param("tau2", "τ² estimator", tuple(TAU2_LABELS), TAU2_LABELS, "DL"),
        Param("ci", "Pooled CI", tuple(TEST_LABELS), TEST_LABELS, "z"),
        Param("study_ci", "Study CI", tuple(STUDY_CI_LABELS), STUDY_CI_LABELS, "wilson"),
        Param(
            "mean_n",
            "FT back-transform n",
            tuple(MEAN_N_LABELS),
            MEAN_N_LABELS,
            "harmonic",
            "Which mean study size the Freeman–Tukey back-transform uses.",
        ),
    )


PARAMS: tuple[Param, ...] = _build_params()
BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
FILTER_PARAMS = ("histology", "line", "mixed", "direct", "assess", "design", "regimen", "age")
SETTING_PARAMS = ("transform", "tau2", "ci", "study_ci", "mean_n")


def preset_settings(preset: str) -> dict[str, str]:
    """The individual method settings (URL values) of a preset (the reference's for custom)."""
    m = tkidata.Method.preset(preset if preset in PRESETS else "reference")
    return {
        "transform": "GLMM" if m.glmm else m.measure,
        "tau2": m.tau2,
        "ci": m.test,
        "study_ci": m.ci_method,
        "mean_n": m.mean_n,
    }


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


def _defaults_for(values: Mapping[str, str]) -> dict[str, str]:
    """Default of every param given the preset in force (settings default to the preset's)."""
    defaults = {p.name: p.default for p in PARAMS}
    defaults.update(preset_settings(values.get("preset", defaults["preset"])))
    return defaults


def sync_from_url() -> list[str]:
    """Seed the widget state from the URL before the widgets are drawn.

    A URL value is adopted when it is new (first run of the session, a shared link, a page
    switch carrying parameters, browser history), not when it is the echo of what this session
    wrote last. Unknown values keep the current (or default) value and produce a notice.

    Returns
    -------
    list of str
        Notices for unknown URL values, in words.
    """
    state = st.session_state
    written: dict[str, str] = state.get(_WRITTEN, {})
    notices: list[str] = []
    url = {name: st.query_params.get(name) for name in BY_NAME}
    preset = BY_NAME["preset"]
    raw_preset = url["preset"]
    adopt = raw_preset != written.get("preset") or preset.key not in state
    if raw_preset is not None and raw_preset in preset.options and adopt:
        state[preset.key] = raw_preset
        if raw_preset != CUSTOM:
            for name, value in preset_settings(raw_preset).items():
                state[BY_NAME[name].key] = value
    state.setdefault(preset.key, preset.default)
    defaults = _defaults_for({"preset": state[preset.key]})
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
    defaults = _defaults_for(values)
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
    s = st.session_state
    return tkidata.Filters(
        histology=s[BY_NAME["histology"].key],
        line=s[BY_NAME["line"].key],
        include_mixed_line=s[BY_NAME["mixed"].key] == "yes",
        design=s[BY_NAME["design"].key],
        regimen=s[BY_NAME["regimen"].key],
        age=s[BY_NAME["age"].key],
        mix_assessment=s[BY_NAME["assess"].key] == "mix",
    )


def direct_only() -> bool:
    """True when the reader asked for direct evidence only (no broader tiers)."""
    return st.session_state[BY_NAME["direct"].key] == "yes"


def current_method() -> tkidata.Method:
    """The method in force, as the analysis layer's frozen ``Method``."""
    s = st.session_state
    transform = s[BY_NAME["transform"].key]
    glmm = transform == "GLMM"
    return tkidata.Method(
        glmm=glmm,
        measure="PLO" if glmm else transform,
        tau2=s[BY_NAME["tau2"].key],
        test=s[BY_NAME["ci"].key],
        ci_method=s[BY_NAME["study_ci"].key],
        mean_n=s[BY_NAME["mean_n"].key],
    )


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
