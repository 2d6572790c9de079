"""The home page's import path stays lean: slides, spreadsheets and figure export load on use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: modules only a download needs (python-pptx, openpyxl, vl-convert, XlsxWriter)
ON_DEMAND = ("pptx", "openpyxl", "vl_convert", "xlsxwriter")


def test_home_page_imports_no_export_library() -> None:
    code = (
        "import sys\n"
        "import ui.frame, ui.cache, ui.render, ui.downloads, ui.sidebar, report.charts\n"
        f"print(','.join(m for m in {ON_DEMAND!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"loaded at start-up: {out.stdout.strip()}"


def test_exports_still_load_their_libraries_on_use() -> None:
    code = (
        "import sys, pandas as pd\n"
        "from report.tables import xlsx_bytes\n"
        "assert 'openpyxl' not in sys.modules\n"
        "data = xlsx_bytes({'t': pd.DataFrame({'a': [1]})})\n"
        "assert data[:2] == b'PK' and 'openpyxl' in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.stdout.strip() == "ok", out.stderr
