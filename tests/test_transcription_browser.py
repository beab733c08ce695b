"""In Debian's Chromium: upload a recording -> progress -> edit -> approve -> audio deleted."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from qualkit.store import Database
from qualkit.store.models import AuditEvent, Interview, Segment

from .browser_support import CHROMIUM_ARGS, OUTPUT, login, require_chromium, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def chromium_exe():
    return require_chromium()


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory, sqlite_demo_template):
    folder = tmp_path_factory.mktemp("transcribe-app") / "data"
    shutil.copytree(sqlite_demo_template.folder, folder)
    passwords = dict(sqlite_demo_template.result.passwords)
    with serve_app(folder) as url:
        yield url, passwords, folder


def test_upload_transcribe_edit_approve_deletes_audio(
    chromium_exe, fresh_app, stereo_clip, offline_model
):
    from playwright.sync_api import expect, sync_playwright

    url, passwords, folder = fresh_app
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_exe, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        login(page, url, "evaluator", passwords["evaluator"])
        expect(page.get_by_role("heading", name="Interviews").first).to_be_visible(timeout=30000)
        page.get_by_text("Nyt interview fra lydfil").click()
        page.get_by_label("Titel").fill("B21, 1. interview")
        page.locator("input[type=file]").first.set_input_files(str(stereo_clip))
        expect(page.get_by_text(stereo_clip.name)).to_be_visible(timeout=30000)
        page.get_by_role("button", name="Opret interview").click()
        expect(page.get_by_role("heading", name="B21, 1. interview")).to_be_visible(timeout=30000)
        expect(page.get_by_text("Lyd: findes")).to_be_visible(timeout=30000)
        page.get_by_role("button", name="Start transskription").click()
        # The progress bar shows while the job runs in the background.
        expect(page.get_by_text("Transskriberer:")).to_be_visible(timeout=30000)
        page.screenshot(path=str(OUTPUT / "browser_transcribe_progress.png"), full_page=True)
        first = page.get_by_label("Segment 1", exact=True)
        expect(first).to_be_visible(timeout=180000)
        expect(page.get_by_text("Transskriberer:")).to_have_count(0)
        first.fill("Hvordan var det første møde med jobkonsulenten? [pause]")
        first.press("Tab")  # leaving the field autosaves
        expect(page.get_by_text("Gemt").first).to_be_visible(timeout=30000)
        expect(page.get_by_text("rettet").first).to_be_visible(timeout=30000)
        page.screenshot(path=str(OUTPUT / "browser_transcribe_editor.png"), full_page=True)
        page.get_by_role("button", name="Godkend transskription").click()
        expect(page.get_by_text("slettes lydfilen permanent")).to_be_visible(timeout=30000)
        page.get_by_role("button", name="Ja, godkend og slet lyden").click()
        expect(page.get_by_text("Lyden er slettet").first).to_be_visible(timeout=30000)
        expect(page.get_by_text("Transskriptionen er godkendt.").first).to_be_visible(timeout=30000)
        page.screenshot(path=str(OUTPUT / "browser_transcribe_approved.png"), full_page=True)
        browser.close()
    db = Database.open(folder)
    try:
        with db.session() as s:
            iv = s.scalars(select(Interview).where(Interview.title == "B21, 1. interview")).one()
            assert iv.transcript_approved_at and iv.audio_path is None and iv.audio_deleted_at
            seg = s.scalars(
                select(Segment).where(Segment.interview_id == iv.id, Segment.position == 0)
            ).one()
            assert seg.text.endswith("[pause]") and seg.edited
            actions = list(
                s.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(iv.id)))
            )
        assert {
            "audio.upload",
            "transcription.done",
            "segment.edit",
            "transcript.approve",
            "audio.delete",
        } <= set(actions)
        assert not any(db.settings.audio_dir.iterdir())
    finally:
        db.close()
