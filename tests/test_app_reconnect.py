"""AppTest: a tab that reconnects to a new session (another replica, ``make serve``) keeps the
patient its widgets show, on the page it opens next and when it changes a widget there."""

from __future__ import annotations

from pathlib import Path

from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.app_test import TESTING_KEY, _AppTestSessionState

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _rerun_in_a_new_session(at: AppTest) -> AppTest:
    """Rerun as a live replica would after the tab's own replica died: a session that holds
    nothing for this tab, sent the values the tab's widgets show (as a browser sends them)."""
    widget_states = at._tree.get_widget_states()
    fresh = SessionState()
    fresh[TESTING_KEY] = {}
    at._session_state = SafeSessionState(fresh, lambda: None)
    at.session_state = _AppTestSessionState(at._session_state)
    return at._run(widget_states)


def _reader_at_second_line_lms() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(histology="lms", line="second")
    at.switch_page("pages/compare.py")
    at.run()
    assert at.selectbox(key="filter_histology").value == "lms"
    return at


def test_the_next_page_of_a_reconnected_tab_keeps_its_patient() -> None:
    at = _reader_at_second_line_lms()
    at.query_params.clear()  # a page switch: the sidebar's page links carry no parameters
    _rerun_in_a_new_session(at.switch_page("pages/safety.py"))
    assert not at.exception
    assert at.selectbox(key="filter_histology").value == "lms"
    assert at.selectbox(key="filter_line").value == "second"
    assert at.query_params["histology"] == "lms"


def test_a_widget_changed_in_a_reconnected_tab_is_not_overruled_by_its_old_link() -> None:
    at = _reader_at_second_line_lms()
    at.selectbox(key="filter_line").set_value("first")  # the URL still says second line
    _rerun_in_a_new_session(at)
    assert not at.exception
    assert at.selectbox(key="filter_line").value == "first"
    assert at.selectbox(key="filter_histology").value == "lms"
    assert at.query_params["line"] == "first"


def test_a_link_opened_in_a_new_tab_is_still_adopted() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(histology="osteosarcoma", line="first")
    at.switch_page("pages/forest.py").run()
    assert at.selectbox(key="filter_histology").value == "osteosarcoma"
    assert at.selectbox(key="filter_line").value == "first"
