"""AppTest: each drug's first-screen card leads with its randomised evidence and guideline
standing; the Head-to-head page shows the trials, league, transitivity, certainty, NNT."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SECOND = {"line": "second"}


def run(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    return at.run()


def cards(at: AppTest) -> dict[str, str]:
    """Drug label → the text of its first-screen card."""
    out = {}
    for md in at.markdown:
        text = str(md.value)
        match = re.search(r"aria-label='([A-Za-z]+)'", text)
        if "tki-card" in text and match:
            out[match.group(1)] = text
    return out


def lead(card: str) -> str:
    """The card's leading block (before the single-arm numbers)."""
    return card.split("tki-section")[0]


@pytest.mark.parametrize(
    ("histology", "expected"),
    [
        ("osteosarcoma", {"Regorafenib": ("Randomised vs placebo", "PFS HR 0.42 (0.21–0.85)")}),
        (
            "lms",
            {
                "Anlotinib": ("Randomised vs placebo", "ALTER0203"),
                "Regorafenib": ("Randomised vs placebo", "PFS HR 0.46 (0.26–0.80)"),
                "Pazopanib": ("Randomised vs placebo", "PFS HR 0.31 (0.24–0.40)"),
            },
        ),
        (
            "synovial",
            {
                "Anlotinib": ("Randomised vs dacarbazine", "PFS HR 0.45 (0.27–0.74)"),
                "Regorafenib": ("Randomised vs placebo", "PFS HR 0.10 (0.03–0.35)"),
                "Pazopanib": ("Randomised vs placebo", "PFS HR 0.31 (0.24–0.40)"),
            },
        ),
    ],
)
def test_cards_lead_with_randomised_evidence_and_standing(histology, expected) -> None:
    at = run("compare", {"histology": histology, **SECOND})
    assert not at.exception, at.exception
    shown = cards(at)
    assert set(shown) == {"Anlotinib", "Apatinib", "Regorafenib", "Pazopanib"}
    for drug, card in shown.items():
        top = lead(card)
        assert "<b>Standing:</b>" in top, drug
        assert card.index("tki-lead") < card.index("ORR"), "randomised evidence comes first"
        if drug in expected:
            label, value = expected[drug]
            assert label in top and value in top, (drug, top)
            assert "Certainty: <b>" in top
    assert "No randomised trial" in lead(shown["Apatinib"])
    assert "vs placebo" not in lead(shown["Apatinib"])


def test_synovial_anlotinib_names_its_dacarbazine_control_never_placebo() -> None:
    at = run("compare", {"histology": "synovial", **SECOND})
    top = lead(cards(at)["Anlotinib"])
    head = top.split("tki-lead-value")[0]
    assert "vs dacarbazine" in head and "vs placebo" not in head
    assert "APROMISS" in top


def test_caveat_links_to_head_to_head() -> None:
    at = run("compare", {"histology": "lms", **SECOND})
    assert any("Naive cross-trial comparison" in str(w.value) for w in at.warning)
    links = [e.proto for e in at.get("page_link")]
    assert any(p.page == "head_to_head" and "head to head" in p.label for p in links), links


#: a column only this table of the page has → the table's name
SIGNATURES = {
    "Certainty (provisional)": "league",
    "Differences that matter": "transitivity",
    "Within-study bias": "certainty",
    "Number needed to treat": "absolute",
    "Number needed to harm": "harms",
    "Why not analysed": "not_analysed",
    "What it says": "standing",
    "Looked for, not verified": "not_verified",
    "Randomisation process": "rob",
}


def frames(at: AppTest) -> dict[str, pd.DataFrame]:
    """The page's tables by name (the certainty table also has a certainty column: it is
    recognised by its own column first)."""
    out: dict[str, pd.DataFrame] = {}
    for d in at.dataframe:
        columns = set(d.value.columns)
        for column, name in SIGNATURES.items():
            if column in columns and name not in out:
                if name == "league" and "Within-study bias" in columns:
                    continue
                out[name] = d.value
                break
    return out


def test_head_to_head_page_for_second_line_leiomyosarcoma() -> None:
    at = run("head_to_head", {"histology": "lms", **SECOND})
    assert not at.exception, at.exception
    assert "leiomyosarcoma" in at.title[0].value
    tables = frames(at)
    league = tables["league"]
    row = league[league["Comparison"] == "Pazopanib vs regorafenib"].iloc[0]
    assert row["Hazard ratio (95% CI)"] == "0.68 (0.37–1.26)"
    assert row["Evidence"] == "indirect, through placebo"
    assert row["Certainty (provisional)"] in ("High", "Moderate", "Low", "Very low")
    assert "Differences that matter" in tables["transitivity"].columns
    assert {"Within-study bias", "Incoherence", "Why"} <= set(tables["certainty"].columns)
    assert "Number needed to treat" in tables["absolute"].columns
    assert "Number needed to harm" in tables["harms"].columns
    assert "ALTER0203" in set(tables["not_analysed"]["Trial"])
    warnings = " ".join(str(w.value) for w in at.warning)
    assert "Inconsistency cannot be tested: each drug meets only its control" in warnings
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "Apatinib**: no randomised trial" in shown
    assert "_" not in " ".join(tables["certainty"]["Why"]), "no data codes on the page"
    assert set(tables["rob"]["Trial"]) == {"ALTER0203", "REGOSARC", "PALETTE", "PAPAGEMO"}
    assert not tables["standing"].empty and not tables["not_verified"].empty


def test_head_to_head_page_without_a_matching_trial_says_so() -> None:
    at = run("head_to_head", {"histology": "chordoma", "line": "first", "mixed": "no"})
    assert not at.exception, at.exception
    assert any("No randomised trial matches" in str(i.value) for i in at.info)
