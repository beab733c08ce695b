"""Shared by the real-browser tests: Debian's Chromium, a running app, logging in."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
OUTPUT = Path(os.environ.get("QUALKIT_TEST_OUTPUT", REPO / "test-output"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def require_chromium() -> str:
    """Debian's Chromium, never a downloaded browser; required in CI, skipped elsewhere."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(
                "Debian's chromium is required in CI (the README's test command installs it)"
            )
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(folder: Path, port: int | None = None, cwd: Path | None = None) -> Iterator[str]:
    """`qualkit serve` on a free port (or ``port``) for the data folder, run in ``cwd`` (where
    Streamlit looks for ``.streamlit/secrets.toml``); yields the URL, stops it after."""
    port = port or free_port()
    log_path = folder.parent / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "qualkit",
                "serve",
                "--data",
                str(folder),
                "--port",
                str(port),
                "--address",
                "127.0.0.1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 90
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            else:
                pytest.fail(f"the app did not start: {log_path.read_text()[-2000:]}")
            yield url
        finally:
            # `qualkit serve` runs Streamlit as a child process: stop the whole process group.
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def goto_page(page, title: str) -> None:
    """Click a page in the sidebar and wait until the app is on it. On a loaded machine a click
    during the page's first run can be lost (the URL stays): then click again."""
    import re

    from playwright.sync_api import Error

    link = page.locator("[data-testid='stSidebarNav'] a", has_text=title).first
    href = link.get_attribute("href") or ""
    path = re.sub(r"^https?://[^/]+", "", href).rstrip("/")
    wanted = re.compile(re.escape(path) + r"/?(\?.*)?$")
    for _ in range(3):
        link.click()
        try:
            page.wait_for_url(wanted, timeout=15000)
            return
        except Error:
            continue
    page.wait_for_url(wanted, timeout=15000)


def login(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
