"""The evaluator's workspace in Debian's Chromium: coding in the document (select and code,
click to edit, compare), reconcile-next, search -> open at the hit, de-identification review.

One demo folder and one app server for the module (the tests write codings); each test logs in
in a fresh browser context.
"""

from __future__ import annotations

import re

import pytest

from qualkit.services import codebooks, coding, interviews
from qualkit.services.context import Context
from qualkit.services.users import actor_for
from qualkit.store import Database
from qualkit.transcripts.textformat import Turn

from .browser_support import (
    CHROMIUM_ARGS,
    OUTPUT,
    goto_page,
    login,
    require_chromium,
    serve_app,
)
from .conftest import copy_sqlite_demo

pytestmark = pytest.mark.browser

# Whitespace and a character outside the BMP (two UTF-16 units, one Python index) before the
# coded words: the offsets must still be code points of the stored text.
TRICKY = "Det var  ikke let 😀 i starten.   Men jobkonsulenten  hjalp mig videre."
NEXT = "Ja, og så kom jeg tilbage på arbejde  efter tre måneder."


@pytest.fixture(scope="module")
def app(tmp_path_factory, sqlite_demo_template):
    chromium = require_chromium()
    folder = tmp_path_factory.mktemp("workspace") / "data"
    demo = copy_sqlite_demo(sqlite_demo_template, folder)
    db = Database.open(folder)
    ev = Context(db, actor_for(db, "evaluator"), demo.project_id)
    iv = interviews.create_interview_from_turns(
        ev,
        "Testinterview: markeringer",
        [Turn("I", "Hvordan gik det?", 0.0, 4.0), Turn("B01", TRICKY, 4.0, 20.0),
         Turn("B01", NEXT, 20.0, 30.0)],
    )  # fmt: skip
    from playwright.sync_api import sync_playwright

    with serve_app(folder) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield {
            "url": url,
            "passwords": demo.passwords,
            "db": db,
            "ev": ev,
            "iv": iv,
            "browser": browser,
        }
        browser.close()
    db.close()


def _code(ctx: Context, key: str) -> int:
    return next(
        c["id"] for b in codebooks.list_codebooks(ctx) for c in b["codes"] if c["key"] == key
    )


def _page(app, user: str = "evaluator", width: int = 1440):
    from playwright.sync_api import expect

    context = app["browser"].new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, app["url"], user, app["passwords"][user])
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible(timeout=30000)
    return page


def _goto(page, title: str) -> None:
    goto_page(page, title)


def _open_coding(
    page, app, title: str = "Testinterview: markeringer", iv: int | None = None
) -> None:
    from playwright.sync_api import expect

    _goto(page, "Kodning")
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Interview").first
    expect(box).to_be_visible(timeout=30000)
    box.click()
    page.get_by_role("option", name=title).click()
    iv = app["iv"] if iv is None else iv
    expect(page.locator(f".qk-root[data-iv='{iv}'] .qk-turn").first).to_be_visible(timeout=30000)


def _mouse_select(page, seg_a: int, start: int, seg_b: int, end: int) -> None:
    """Drag the mouse from before code point `start` of turn a to after code point `end - 1`
    of turn b, as a person selects text."""
    points = page.evaluate(
        """([a, s, b, e]) => {
          const where = (seg, cpIndex, after) => {
            const el = document.querySelector(`.qk-text[data-seg="${seg}"]`);
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            let n, seen = 0;
            while ((n = walker.nextNode())) {
              const cps = Array.from(n.data);
              if (seen + cps.length > cpIndex) {
                const unit = cps.slice(0, cpIndex - seen).join("").length;
                const r = document.createRange();
                r.setStart(n, unit);
                r.setEnd(n, unit + cps[cpIndex - seen].length);
                const box = r.getClientRects()[0];
                return after ? [box.right - 1, box.top + box.height / 2]
                             : [box.left + 1, box.top + box.height / 2];
              }
              seen += cps.length;
            }
          };
          return [where(a, s, false), where(b, e - 1, true)];
        }""",
        [seg_a, start, seg_b, end],
    )
    (x0, y0), (x1, y1) = points
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()


def _segments(app) -> list[dict]:
    return coding.coding_view(app["ev"], app["iv"])["segments"]


def test_select_and_code_within_and_across_turns(app):
    from playwright.sync_api import expect

    page = _page(app)
    _open_coding(page, app)
    segs = _segments(app)
    tricky, nxt = segs[1], segs[2]
    code = _code(app["ev"], "mech.tryghed")
    # Within one turn: "let 😀 i starten.   Men" (emoji and a triple space inside).
    start = TRICKY.index("let")
    end = TRICKY.index("Men") + 3
    _mouse_select(page, tricky["id"], start, tricky["id"], end)
    picker = page.locator(".qk-picker")
    expect(picker).to_be_visible(timeout=5000)
    picker.locator(".qk-search").fill("mech.tryghed")
    picker.locator(".qk-search").press("Enter")
    stored = page.locator(f".qk-text[data-seg='{tricky['id']}'] .qk-hl:not(.qk-pending)")
    expect(stored.first).to_be_visible(timeout=10000)
    mine = [c for c in _segments(app)[1]["codings"] if c["code_id"] == code]
    assert [(c["start_char"], c["end_char"]) for c in mine] == [(start, end)]
    assert TRICKY[start:end] == "let 😀 i starten.   Men"
    expect(stored.first).to_have_attribute("data-codes", str(code))
    # Across two turns, by the recent-code key "1": the end of one turn and the start of the next.
    a = TRICKY.index("hjalp")
    b = NEXT.index("arbejde") + len("arbejde")
    _mouse_select(page, tricky["id"], a, nxt["id"], b)
    expect(picker).to_be_visible(timeout=5000)
    expect(picker.locator(".qk-recent-code").first).to_contain_text("mech.tryghed")
    picker.locator(".qk-search").press("1")
    expect(page.locator(f".qk-text[data-seg='{nxt['id']}'] .qk-hl:not(.qk-pending)")).to_be_visible(
        timeout=10000
    )
    spans = sorted(
        (c["start_char"], c["end_char"])
        for s in _segments(app)[1:]
        for c in s["codings"]
        if c["code_id"] == code
    )
    assert spans == sorted([(start, end), (a, len(TRICKY)), (0, b)])
    # The margin shows a stripe for the code on both turns.
    expect(page.locator(f".qk-turn[data-turn='{nxt['id']}'] .qk-stripe")).to_contain_text(
        "mech.tryghed"
    )
    page.context.close()


def test_click_highlight_to_edit_memo_change_and_remove(app):
    from playwright.sync_api import expect

    ev = app["ev"]
    seg = _segments(app)[2]
    code = _code(ev, "eff.mestring")
    other = _code(ev, "mech.justering")
    [cid] = coding.apply_code(ev, [seg["id"]], code, start_char=0, end_char=3)
    page = _page(app)
    _open_coding(page, app)
    hl = page.locator(f".qk-text[data-seg='{seg['id']}'] .qk-hl[data-cids*='{cid}']").first
    hl.click()
    details = page.locator(".qk-details")
    expect(details).to_contain_text("eff.mestring")
    expect(details).to_contain_text("evaluator")
    item = details.locator(f".qk-item[data-cid='{cid}']")
    item.locator(".qk-memo-edit").fill("Første gang hun nævner arbejdet")
    item.get_by_role("button", name="Gem memo").click()
    page.wait_for_function(
        "() => !document.querySelector('.qk-details')", timeout=5000
    )  # fmt: skip
    expect(page.get_by_text("Memo gemt.")).to_be_visible(timeout=10000)
    assert any(c["memo"] == "Første gang hun nævner arbejdet" for c in _segments(app)[2]["codings"])
    # Change the code.
    page.locator(f".qk-text[data-seg='{seg['id']}'] .qk-hl[data-cids*='{cid}']").first.click()
    page.locator(f".qk-details .qk-item[data-cid='{cid}']").get_by_role(
        "button", name="Skift kode"
    ).click()
    page.locator(".qk-picker .qk-search").fill("mech.justering")
    page.locator(".qk-picker .qk-search").press("Enter")
    expect(
        page.locator(f".qk-text[data-seg='{seg['id']}'] .qk-hl[data-codes*='{other}']").first
    ).to_be_visible(timeout=10000)
    assert [c["code_id"] for c in _segments(app)[2]["codings"] if c["id"] == cid] == [other]
    # Remove it.
    page.locator(f".qk-text[data-seg='{seg['id']}'] .qk-hl[data-cids*='{cid}']").first.click()
    page.locator(f".qk-details .qk-item[data-cid='{cid}']").get_by_role(
        "button", name="Fjern"
    ).click()
    expect(page.locator(f".qk-hl[data-cids*='{cid}']")).to_have_count(0, timeout=10000)
    assert all(c["id"] != cid for c in _segments(app)[2]["codings"])
    page.context.close()


def test_compare_two_coders_in_two_colours(app):
    from playwright.sync_api import expect

    page = _page(app)
    _open_coding(page, app, "Borgerinterview B03: kvinde i 40'erne", iv=1)
    # The coder's own view with the picker open over a selection (the README screenshot).
    turn = page.locator(".qk-turn").nth(7).locator(".qk-text")
    box = turn.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + 34, steps=6)
    page.mouse.up()
    expect(page.locator(".qk-picker")).to_be_visible(timeout=5000)
    page.locator(".qk-picker .qk-search").fill("mech")
    page.screenshot(path=str(OUTPUT / "coding_view.png"))
    page.keyboard.press("Escape")
    page.get_by_text("Sammenlign to kodere").click()
    page.get_by_role("button", name="Sammenlign med de andre kodere").click()
    legend = page.locator(".qk-root[data-mode='compare'] .qk-legend")
    expect(legend).to_contain_text("evaluator", timeout=15000)
    expect(legend).to_contain_text("evaluator2")
    stripes = page.locator(".qk-root[data-mode='compare'] .qk-stripe")
    expect(stripes.first).to_be_visible()
    colours = set(stripes.evaluate_all("els => els.map(e => getComputedStyle(e).borderLeftColor)"))
    assert len(colours) == 2, colours
    # Read-only: a selection opens no picker, a click shows who coded.
    page.locator(".qk-root[data-mode='compare'] .qk-hl").first.click()
    expect(page.locator(".qk-details")).to_contain_text("Koder")
    expect(page.locator(".qk-details button", has_text="Fjern")).to_have_count(0)
    page.keyboard.press("Escape")
    page.screenshot(path=str(OUTPUT / "coding_compare.png"))
    page.context.close()


def test_search_opens_the_transcript_at_the_hit(app):
    from playwright.sync_api import expect

    from qualkit.services import search

    hit = search.search(app["ev"], "jobkonsulenten").hits[0]
    page = _page(app)
    _goto(page, "Søg")
    page.wait_for_timeout(1000)
    box = page.get_by_label("Søg i alle godkendte transskriptioner", exact=False)
    expect(box).to_be_visible(timeout=30000)
    box.fill("jobkonsulenten")
    box.press("Enter")
    expect(page.get_by_text("tur(e) fundet")).to_be_visible(timeout=30000)
    expect(
        page.locator("[data-testid='stMarkdownContainer'] strong", has_text="jobkonsulenten").first
    ).to_be_visible()
    page.get_by_role("button", name="Åbn").first.click()
    root = page.locator(f".qk-root[data-iv='{hit.interview_id}']")
    expect(root).to_be_visible(timeout=30000)
    turn = root.locator(f".qk-turn[data-turn='{hit.segment_id}']")
    expect(turn.locator(".qk-hit").first).to_be_visible(timeout=10000)
    expect(turn.locator(".qk-hit").first).to_contain_text("jobkonsulenten")
    assert turn.locator(".qk-hit").first.is_visible()
    page.context.close()


def test_reconcile_saves_and_opens_the_next_disagreement(app):
    from playwright.sync_api import expect

    page = _page(app, width=1440)
    _goto(page, "Enighed og konsensus")
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Interview").first
    expect(box).to_be_visible(timeout=30000)
    box.click()
    page.get_by_role("option", name="Borgerinterview B03").click()
    expect(box.get_by_role("combobox")).to_have_value(
        re.compile("^Borgerinterview B03"), timeout=30000
    )
    reveal = page.get_by_role("button", name="Sammenlign kodninger")
    progress = page.get_by_text("uenigheder løst")
    expect(reveal.or_(progress)).to_be_visible(timeout=30000)
    from playwright.sync_api import Error as PlaywrightError

    # A click that lands while the page reruns can be dropped by Streamlit: click, give the
    # rerun time to finish, and click again only if the comparison did not open.
    for _ in range(3):
        if progress.is_visible():
            break
        try:
            reveal.click(timeout=10000)
            expect(progress).to_be_visible(timeout=15000)
        except (PlaywrightError, AssertionError):
            pass
    expect(progress).to_be_visible(timeout=30000)
    before = progress.inner_text()
    solved, total = (int(x) for x in before.split(" uenigheder")[0].split(" af "))
    from qualkit.services import consensus

    opened = [d for d in consensus.compare_document(app["ev"], 1)["disagreements"]]
    todo = [f"Tur {d['position'] + 1} · {d['key']}" for d in opened if not d["resolved"]]
    picker = page.locator("[data-testid='stSelectbox']").filter(has_text="Afgør uenighed")
    expect(picker.get_by_role("combobox")).to_have_value(todo[0], timeout=30000)
    # Both coders and the decision are on screen at 1440 px, with no sideways scrolling.
    save = page.get_by_role("button", name="Gem konsensus og gå til næste")
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    for coder in ("evaluator", "evaluator2"):
        expect(page.get_by_text(coder, exact=True).last).to_be_in_viewport()
    page.screenshot(path=str(OUTPUT / "reconcile_view.png"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1440
    page.get_by_text("Tag begge (alle koderes kodninger på segmentet)").click()
    save.click()
    expect(page.get_by_text(f"{solved + 1} af {total} uenigheder løst")).to_be_visible(
        timeout=30000
    )
    expect(page.get_by_text("Konsensus gemt")).to_be_visible()
    # the next open disagreement is shown
    expect(picker.get_by_role("combobox")).to_have_value(todo[1], timeout=30000)
    page.context.close()


def test_deid_review_shows_each_proposal_in_its_sentence(app):
    from playwright.sync_api import expect

    from qualkit.services import deid

    page = _page(app)
    _goto(page, "Pseudonymisering")
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Interview").first
    expect(box).to_be_visible(timeout=30000)
    box.click()
    page.get_by_role("option", name="Gruppeinterview").click()
    card = page.locator(".st-key-deid_card")
    expect(card).to_be_visible(timeout=30000)
    ev = app["ev"]
    open_before = sum(  # the card walks every open proposal, a speaker label's first
        1 for x in deid.list_spans(ev, 5) if x["decision"] == "proposed" and not x["stale"]
    )
    expect(card).to_contain_text(f"Forslag 1 af {open_before} åbne")
    expect(card).to_contain_text("Etiket")
    expect(card).to_contain_text("Pseudonym")
    marked = card.locator("[data-testid='stMarkdownContainer'] strong").first
    expect(marked).to_be_visible()
    word = marked.inner_text()
    sentence = card.locator(
        "[data-testid='stMarkdownContainer']", has=page.locator("strong")
    ).first.inner_text()
    assert len(sentence) > len(word) + 10  # the span is shown in its sentence
    bg = marked.evaluate("e => getComputedStyle(e.closest('span') || e).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent"), bg
    marked.click()  # focus on the page, not in an input
    page.keyboard.press("j")  # accept, by keyboard
    expect(page.get_by_text("accepteret.").first).to_be_visible(timeout=30000)
    open_after = sum(
        1 for x in deid.list_spans(ev, 5) if x["decision"] == "proposed" and not x["stale"]
    )
    assert open_after == open_before - 1
    expect(card).to_contain_text(f"Forslag 1 af {open_after} åbne")
    # The next proposal in its sentence (the first was a speaker label, before its turn).
    expect(card).to_contain_text("tur ")
    page.screenshot(path=str(OUTPUT / "review_view.png"))
    page.context.close()
