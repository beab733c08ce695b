"""In Debian's Chromium: one evaluator uploads a recording and watches the progress rise while a
second evaluator codes an approved interview meanwhile, without delay (issue 16).

`qualkit serve` on a SQLite data folder starts the job queue's worker as a separate process, so
the transcription must not hold up the app's server: each apply -> stored highlight of the
second user is timed in the page while the job is running.
"""

from __future__ import annotations

import re
import shutil
import statistics
import time

import pytest

from qualkit.enums import InterviewStatus
from qualkit.services import codebooks, coding, interviews, transcription
from qualkit.services import coding_document as cdoc
from qualkit.services.context import Context
from qualkit.services.users import actor_for
from qualkit.store import Database

from .browser_support import (
    CHROMIUM_ARGS,
    OUTPUT,
    goto_page,
    login,
    require_chromium,
    serve_app,
)
from .speech import CONVERSATION, conversation, shared_word_share

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "B22, langt interview"
APPLY_LIMIT_MS = 3000  # generous: the machine is shared; the point is "not blocked by the job"
APPLIES = 3  # while the job runs, and as many again after it, on the same machine
# From the Enter key in the code picker until the stored (not the pending) highlight is drawn.
WATCH = """([seg, code]) => new Promise((resolve) => {
  const sel = `.qk-text[data-seg="${seg}"] .qk-hl:not(.qk-pending)`;
  const hit = () => [...document.querySelectorAll(sel)].some(
    (e) => (e.dataset.codes || "").split(",").includes(String(code)));
  if (hit()) return resolve(0);
  const obs = new MutationObserver(() => {
    if (hit()) { obs.disconnect(); resolve(performance.now() - window.__qkT0); }
  });
  obs.observe(document.body, {subtree: true, childList: true, attributes: true});
})"""


@pytest.fixture(scope="module")
def long_recording(tmp_path_factory):
    """About 60 s of two Danish voices (the six-turn conversation three times over)."""
    folder = tmp_path_factory.mktemp("long-speech")
    path, ref = conversation(folder, CONVERSATION * 3, name="langt_interview.wav")
    assert ref[-1][1] > 45, "the recording must be long enough for progress in several steps"
    return path


def _share(text: str) -> int | None:
    m = re.search(r"Transskriberer: (\d+)\s*%", text)
    return int(m.group(1)) if m else None


def test_second_user_codes_while_a_transcription_runs(
    tmp_path_factory, sqlite_demo_template, offline_model, long_recording
):
    from playwright.sync_api import expect, sync_playwright

    chromium = require_chromium()
    folder = tmp_path_factory.mktemp("transcribe-and-code") / "data"
    shutil.copytree(sqlite_demo_template.folder, folder)
    passwords = dict(sqlite_demo_template.result.passwords)
    db = Database.open(folder)
    try:
        ev2 = Context(db, actor_for(db, "evaluator2"), sqlite_demo_template.result.project_id)
        approved = next(
            r for r in interviews.list_interviews(ev2) if r["status"] == InterviewStatus.APPROVED
        )
        doc = cdoc.document(ev2, approved["id"])
        coded = {c.segment_id for c in doc.codings}
        turns = [x for x in doc.segments if len(x.text) > 40 and x.id not in coded]
        usable = [c for b in codebooks.list_codebooks(ev2) for c in b["codes"] if not c["retired"]]
        codes = [usable[i % len(usable)] for i in range(2 * APPLIES)]
        assert len(turns) >= 2 * APPLIES
        OUTPUT.mkdir(parents=True, exist_ok=True)
        with serve_app(folder) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            # User 1 uploads the recording and starts the job.
            one = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            login(one, url, "evaluator", passwords["evaluator"])
            expect(one.get_by_role("heading", name="Interviews").first).to_be_visible(timeout=30000)
            one.get_by_text("Nyt interview fra lydfil").click()
            one.get_by_label("Titel").fill(TITLE)
            one.locator("input[type=file]").first.set_input_files(str(long_recording))
            expect(one.get_by_text(long_recording.name)).to_be_visible(timeout=30000)
            one.get_by_role("button", name="Opret interview").click()
            expect(one.get_by_role("heading", name=TITLE)).to_be_visible(timeout=30000)
            one.get_by_role("button", name="Start transskription").click()
            progress = one.get_by_text(re.compile(r"Transskriberer: \d+\s*% færdig"))
            expect(progress).to_be_visible(timeout=120000)
            new_iv = next(r["id"] for r in interviews.list_interviews(ev2) if r["title"] == TITLE)
            shares: list[int] = []

            def watch_progress() -> None:
                if progress.count():
                    share = _share(progress.first.inner_text())
                    if share is not None and (not shares or shares[-1] != share):
                        shares.append(share)

            # User 2, in a second browser context, opens the approved interview and codes.
            two = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            # Loading the app's scripts is not what is timed here (the apply is, below), and
            # the machine is shared: give the first page load more room than the default 30 s.
            two.set_default_navigation_timeout(90000)
            login(two, url, "evaluator2", passwords["evaluator2"])
            goto_page(two, "Kodning")
            box = two.locator("[data-testid='stSelectbox']").filter(has_text="Interview").first
            expect(box).to_be_visible(timeout=30000)
            box.click()
            two.get_by_role("option", name=approved["title"]).click()
            root = two.locator(f".qk-root[data-iv='{approved['id']}']")
            expect(root.locator(".qk-turn").first).to_be_visible(timeout=30000)

            def apply(i: int) -> float:
                seg, code = turns[i], codes[i]
                text = two.locator(f".qk-text[data-seg='{seg.id}']")
                text.scroll_into_view_if_needed()
                b = text.bounding_box()
                assert b is not None
                two.mouse.move(b["x"] + 2, b["y"] + 8)
                two.mouse.down()
                two.mouse.move(b["x"] + min(160, b["width"] - 4), b["y"] + 8, steps=5)
                two.mouse.up()
                search = two.locator(".qk-picker .qk-search")
                expect(search).to_be_visible(timeout=10000)
                search.fill(code["key"])
                two.evaluate(
                    """() => document.querySelector('.qk-picker .qk-search').addEventListener(
                      'keydown', () => { window.__qkT0 = performance.now(); },
                      {capture: true, once: true})"""
                )
                two.evaluate(f"(a) => {{ window.__qkW = ({WATCH})(a); }}", [seg.id, code["id"]])
                search.press("Enter")
                return float(two.evaluate("() => window.__qkW"))

            times: list[float] = []
            for i in range(APPLIES):
                watch_progress()
                job = transcription.latest_job(ev2, new_iv)
                assert job is not None and job["status"] == "running", (
                    "the job must still run while user 2 codes; make the recording longer",
                    job,
                )
                times.append(apply(i))
                watch_progress()
            two.screenshot(path=str(OUTPUT / "browser_code_during_transcription.png"))
            one.screenshot(path=str(OUTPUT / "browser_progress_while_coding.png"))
            # The job goes on; the progress keeps rising until the transcript is there.
            first = one.get_by_label("Segment 1", exact=True)
            deadline = time.monotonic() + 900
            while not first.count():
                assert time.monotonic() < deadline, ("the job did not finish", shares)
                watch_progress()
                one.wait_for_timeout(500)
                job = transcription.latest_job(ev2, new_iv)
                assert job is not None and job["status"] in ("queued", "running", "done"), job
            expect(first).to_be_visible(timeout=30000)
            # The same applies with no job running: the machine's own speed right now.
            after = [apply(APPLIES + i) for i in range(APPLIES)]
            browser.close()
        # Within the bound, or (on a loaded shared machine) no slower than twice the same apply
        # with no job running; none held up behind the job (a blocked server waits for it all).
        during, idle = statistics.median(times), statistics.median(after)
        report = f"apply -> highlight during the job {times} ms, after it {after} ms"
        print(f"{report}; progress {shares} %")
        assert during < max(APPLY_LIMIT_MS, 2 * idle), report
        assert max(times) < 2 * max(APPLY_LIMIT_MS, 2 * idle), report
        # The share done rises (the batched pipeline reports per batch of chunks, so a one-minute
        # recording shows few steps; a longer one shows more).
        assert len(shares) >= 2 and shares == sorted(shares) and shares[-1] > shares[0], shares
        mine = coding.my_codings(ev2, approved["id"])
        assert {c["code_id"] for c in mine} >= {c["id"] for c in codes}
        job = transcription.latest_job(ev2, new_iv)
        assert job is not None and job["status"] == "done", job
        said = " ".join(x.text for x in cdoc.document(ev2, new_iv).segments)
        # A transcript of the recording (espeak voices and the base model: loose words check).
        assert shared_word_share(" ".join(t for _, t in CONVERSATION), said) >= 0.25, said[:300]
    finally:
        db.close()
