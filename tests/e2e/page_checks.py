"""Whole-page checks: axe-core accessibility, raw codes in the text, sideways panning."""

from __future__ import annotations

import re
from functools import cache

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

import tkidata
from tkidata.store.codes import DESIGNS, EXTRACTION_LEVELS, LINES, OUTCOMES

#: axe-core impact levels that fail a page (WCAG 2.2 AA rules and best practices)
BLOCKING = ("serious", "critical")
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}
PLACEHOLDERS = ("None", "nan", "NaN", "<NA>", "NaT")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: codes that are also ordinary words of clinical prose ("2 retrospective", "a secondary source")
ORDINARY_WORDS = frozenset(
    {
        "first",
        "second",
        "later",
        "any",
        "abstract",
        "registry",
        "retrospective",
        "secondary",
        "synovial",
        "epithelioid",
    }
)
#: names that look like codes but are what readers know them by
KNOWN_NAMES = frozenset({"metaprop_one"})  # the Stata command of the reference analysis


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the page, one line each (rule, node, why)."""
    results = Axe().run(page, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"][:5]:
            why = (node.get("any") or node.get("all") or [{}])[0].get("message", "")
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']} — {why}")
    return lines


@cache
def _codes() -> tuple[frozenset[str], frozenset[str]]:
    """(codes a reader must never see, study ids that are identifiers and may be shown)."""
    ev = tkidata.load()
    subtypes = {
        code
        for code, label in zip(ev.vocab.histology["code"], ev.vocab.histology["label"], strict=True)
        # "osteosarcoma" and "synovial" (sarcoma) are words of their labels; "lms" is a code
        if not label.lower().startswith(code)
    }
    codes = {*OUTCOMES, *DESIGNS, *LINES, *EXTRACTION_LEVELS, *subtypes, "3plus", "sts"}
    codes -= ORDINARY_WORDS
    ids = {*ev.studies["study_id"], *ev.published["source_id"]}
    return frozenset(codes), frozenset(ids)


def raw_codes_in_text(page: Page) -> list[str]:
    """Codes of the data model and empty-cell placeholders in the page's visible text."""
    # Material icons are ligatures ("expand_more"): the reader sees a glyph, not the word
    text = page.evaluate(
        """() => {
        const main = document.querySelector('[data-testid="stMain"]').cloneNode(true);
        main.querySelectorAll('[data-testid="stIconMaterial"]').forEach(e => e.remove());
        document.body.appendChild(main);
        const text = main.innerText;
        main.remove();
        return text;
    }"""
    )
    codes, ids = _codes()
    words = set(re.findall(r"[A-Za-z0-9_<>]+", text))
    found = sorted(w for w in words if w in codes or w in PLACEHOLDERS)
    found += sorted(
        {m for m in SNAKE.findall(text) if m not in ids and m not in codes and m not in KNOWN_NAMES}
    )
    return found


def sideways_overflow(page: Page) -> list[str]:
    """Elements that reach past the window's right edge outside a box of their own that scrolls
    (or clips) them, and whether the page itself can pan sideways."""
    return page.evaluate(
        """() => {
        const width = window.innerWidth;
        const out = [];
        const main = document.querySelector('[data-testid="stMain"]');
        if (main && main.scrollWidth > main.clientWidth + 1)
            out.push(`page pans: main ${main.scrollWidth}px wide in ${main.clientWidth}px`);
        if (document.documentElement.scrollWidth > width + 1)
            out.push(`page pans: document ${document.documentElement.scrollWidth}px wide`);
        for (const el of main ? main.querySelectorAll('*') : []) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
            let boxed = false;
            for (let p = el.parentElement; p && p !== main; p = p.parentElement) {
                const style = getComputedStyle(p);
                if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)
                    && p.getBoundingClientRect().right <= width + 1) { boxed = true; break; }
            }
            if (!boxed) {
                const id = el.getAttribute('data-testid') || el.tagName.toLowerCase();
                out.push(`${id} reaches ${Math.round(box.right)}px of ${width}px`);
            }
            if (out.length > 12) break;
        }
        return out;
    }"""
    )


def hidden_choices(page: Page) -> list[str]:
    """Chosen options of a multiselect that lie outside its box or the window (unseen, and their
    remove buttons out of reach)."""
    return page.evaluate(
        """() => {
        const width = window.innerWidth;
        const out = [];
        for (const box of document.querySelectorAll('[data-testid="stMultiSelectTagsContainer"]')) {
            const b = box.getBoundingClientRect();
            const edge = Math.min(b.right, width) + 1;
            for (const chip of box.querySelectorAll('span[role="group"] > span')) {
                const r = chip.getBoundingClientRect();
                if (r.width > 0 && (r.right > edge || r.bottom > b.bottom + 1))
                    out.push(`"${chip.innerText.trim()}" reaches ${Math.round(r.right)}px, `
                             + `${Math.round(r.bottom - b.bottom)}px below its box`);
            }
        }
        return out;
    }"""
    )
