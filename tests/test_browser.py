"""A real browser: Debian's Chromium driven by Playwright against the running demo app."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
OUTPUT = Path(os.environ.get("QUALKIT_TEST_OUTPUT", REPO / "test-output"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("Debian's chromium is required in CI (the README's test command installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def running_app(demo_folder):
    folder, passwords = demo_folder
    port = _free_port()
    log = open(folder.parent / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "qualkit", "serve", "--data", str(folder),
                             "--port", str(port), "--address", "127.0.0.1"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {(folder.parent / 'streamlit.log').read_text()[-2000:]}")
    yield url, passwords
    # `qualkit serve` runs Streamlit as a child process: stop the whole process group.
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def login(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


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
