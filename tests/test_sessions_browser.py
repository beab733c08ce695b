"""Sessions in a real browser (issue 13 item 6, issue 10 item 9): a reload and a deep link
keep the user logged in through the signed HttpOnly cookie; log-out and deactivation end
it; nothing is fetched from outside the machine."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from qualkit.services import users
from qualkit.store import Database

from .browser_support import CHROMIUM_ARGS, login, require_chromium, serve_app
from .conftest import ctx_as

pytestmark = pytest.mark.browser


def test_reload_deep_link_logout_and_deactivation(app_demo):
    from playwright.sync_api import expect, sync_playwright

    chromium = require_chromium()
    folder, passwords = app_demo.folder, app_demo.result.passwords
    outside: list[str] = []
    with serve_app(folder) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None)
                and not r.url.startswith(("data:", "blob:", "about:"))
                else None
            ),
        )
        # A deep link while logged out: the log-in form, then the page asked for.
        page.goto(f"{url}/codebook")
        page.get_by_label("Brugernavn").fill("evaluator")
        page.get_by_label("Adgangskode").fill(passwords["evaluator"])
        page.get_by_role("button", name="Log ind").click()
        expect(page.get_by_role("heading", name="Kodebog").first).to_be_visible(timeout=30000)
        assert page.url.rstrip("/").endswith("/codebook")
        page.wait_for_timeout(1500)  # the cookie is set by a fetch after the log-in
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["qualkit_session"]["httpOnly"] is True
        assert cookies["qualkit_session"]["sameSite"] == "Strict"
        assert page.evaluate("document.cookie").find("qualkit_session") == -1
        # Reload: still logged in, on the same page.
        page.reload()
        expect(page.get_by_role("heading", name="Kodebog").first).to_be_visible(timeout=30000)
        expect(page.get_by_label("Brugernavn")).to_have_count(0)
        # A bookmark of another page in a new tab of the same browser.
        other = context.new_page()
        other.goto(f"{url}/coding")
        expect(other.get_by_role("heading", name="Kodning").first).to_be_visible(timeout=30000)
        # A page the role may not see: a Danish refusal, not "Page not found".
        other.goto(f"{url}/admin")
        expect(other.get_by_text("Adgang nægtet").first).to_be_visible(timeout=30000)
        other.close()
        # Deactivation acts at the next click / load.
        db = Database.open(folder)
        try:
            admin = ctx_as(db, app_demo.result.project_id, "admin")
            users.set_active(admin, "evaluator", False)
            page.reload()
            expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=30000)
            users.set_active(admin, "evaluator", True)
        finally:
            db.close()
        # Log in again, log out: the cookie no longer logs anyone in.
        login(page, url, "evaluator", passwords["evaluator"])
        expect(page.get_by_role("button", name="Log ud")).to_be_visible(timeout=30000)
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Log ud").click()
        expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=30000)
        page.wait_for_timeout(1000)
        page.reload()
        expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=30000)
        browser.close()
    assert outside == []
