"""Danish throughout, as Chromium shows it (issue 13 item 7): every page (as the admin, who sees
them all), its visible text read from the rendered page (Streamlit's own frontend words too,
which AppTest never renders), failing on English words; every file uploader shows its Danish
button and size line; no table or chart shows Streamlit's toolbar (its CSV download would skip
the export safety check)."""

from __future__ import annotations

import re

import pytest

from qualkit.ui.chrome import BUTTON, LIMIT
from qualkit.ui.navigation import PAGES, pages_for

from .browser_support import CHROMIUM_ARGS, goto_page, login, require_chromium, serve_app
from .test_danish import english_in

pytestmark = pytest.mark.browser

# Streamlit's frontend words (file uploader, status widget, menus) beyond test_danish's list.
FRONTEND = re.compile(
    r"\b(files?|upload|browse|drag|drop|limit|running|settings|deploy|clear|cache)\b", re.I
)
# Visible text nodes: rendered, not hidden by the stylesheet (font-size 0), not an icon's
# ligature name (Material icons are text, "upload", drawn as a glyph).
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('script, style, [translate="no"], [data-testid="stIconMaterial"]')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || parseFloat(cs.fontSize) === 0 || !el.getClientRects().length) continue;
    out.push(text);
  }
  return out;
}"""
# Streamlit's table and chart toolbar (download as CSV, search, fullscreen): hidden everywhere.
TOOLBARS = """() => [...document.querySelectorAll('[data-testid="stElementToolbar"]')]
  .filter(e => getComputedStyle(e).display !== 'none').length"""
UPLOADERS = """() => [...document.querySelectorAll('[data-testid="stFileUploaderDropzone"]')].map(z => [
  getComputedStyle(z.querySelector('button p'), '::after').content,
  getComputedStyle(z.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span'), '::after').content,
])"""


def _english(texts: list[str]) -> list[str]:
    return [t for t in texts if english_in(t) or FRONTEND.search(t)]


def test_every_page_shows_danish_only(app_demo):
    from playwright.sync_api import expect, sync_playwright

    assert [p.key for p in pages_for("admin")] == [p.key for p in PAGES]
    chromium = require_chromium()
    folder, passwords = app_demo.folder, app_demo.result.passwords
    found: dict[str, list[str]] = {}
    uploaders: dict[str, list] = {}
    toolbars: dict[str, int] = {}
    with serve_app(folder) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        login(page, url, "admin", passwords["admin"])  # the admin sees every page
        expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible(timeout=60000)
        for spec in PAGES:
            goto_page(page, spec.title)
            expect(page.get_by_role("heading", name=spec.title).first).to_be_visible(timeout=30000)
            page.wait_for_timeout(600)  # the page's widgets after its heading
            # Open every expander, so the text inside is read too.
            for summary in page.locator("[data-testid='stExpander'] summary").all():
                summary.click()
            page.wait_for_timeout(300)
            if bad := _english(page.evaluate(VISIBLE_TEXT)):
                found[spec.title] = bad
            tables = page.locator("[data-testid='stDataFrame']:visible")
            if tables.count():
                tables.first.hover(timeout=10000)  # the toolbar shows on hover
                page.wait_for_timeout(200)
                if n := page.evaluate(TOOLBARS):
                    toolbars[spec.title] = n
            if shown := page.evaluate(UPLOADERS):
                uploaders[spec.title] = shown
        browser.close()
    assert found == {}
    assert toolbars == {}, "a table's toolbar (download as CSV without the safety check) shows"
    assert uploaders, "no page showed a file uploader"
    for where, shown in uploaders.items():
        assert all(s == [f'"{BUTTON}"', f'"{LIMIT}"'] for s in shown), (where, shown)
