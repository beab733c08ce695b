"""Shared by the AppTests: log in through the app's own log-in form, optionally open a page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")


def login(username: str, password: str, page: str | None = None, timeout: int = 90) -> AppTest:
    """An AppTest of app.py after logging in (and switching to ``page``, relative to the repo)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at
