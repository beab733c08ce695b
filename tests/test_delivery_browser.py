"""The tallies page in Debian's Chromium: the flow diagram and the charts really draw."""

from __future__ import annotations

import pytest

from .browser_support import CHROMIUM_ARGS, OUTPUT, login
from .test_browser import chromium, running_app  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.browser


def test_tallies_page_draws_flow_and_charts(chromium, running_app):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    url, passwords = running_app
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        login(page, url, "evaluator", passwords["evaluator"])
        expect(page.get_by_role("heading", name="Interviews").first).to_be_visible(timeout=30000)
        page.locator("[data-testid='stSidebarNav']").get_by_text("Optællinger").click()
        expect(page.get_by_role("heading", name="Optællinger").first).to_be_visible(timeout=30000)
        flow = page.locator("[data-testid='stGraphVizChart'] svg")
        expect(flow).to_be_visible(timeout=30000)
        expect(flow).to_contain_text("Screenet: 30")
        expect(flow).to_contain_text("Randomiseret: 24")
        charts = page.locator("[data-testid='stVegaLiteChart']")
        expect(charts.first).to_be_visible(timeout=30000)
        assert charts.count() >= 3  # heatmap, dose, over time
        page.wait_for_timeout(1500)
        shot = OUTPUT / "browser_tallies.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 20_000
