"""A real browser: Debian's Chromium driven by Playwright against the running demo app."""

from __future__ import annotations

import pytest

from .browser_support import CHROMIUM_ARGS, OUTPUT, login, require_chromium, serve_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    return require_chromium()


@pytest.fixture(scope="module")
def running_app(demo_folder):
    folder, passwords = demo_folder
    with serve_app(folder) as url:
        yield url, passwords


def test_evaluator_opens_interview_list(chromium, running_app):
    from playwright.sync_api import expect, sync_playwright

    url, passwords = running_app
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        login(page, url, "evaluator", passwords["evaluator"])
        expect(page.get_by_role("heading", name="Interviews").first).to_be_visible(timeout=30000)
        # The interview table comes from the store: a demo transcript title is listed.
        expect(page.get_by_text("Vis transskription")).to_be_visible(timeout=30000)
        expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=30000)
        nav = page.locator("[data-testid='stSidebarNav']")
        expect(nav).to_contain_text("Kodning")
        expect(nav).not_to_contain_text("Administration")
        page.wait_for_timeout(1000)
        shot = OUTPUT / "browser_interviews.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
