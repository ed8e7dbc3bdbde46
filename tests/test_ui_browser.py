"""The chat in a real browser: `streamlit run ui/app.py` on 127.0.0.1, driven by Playwright
through Debian's headless Chromium (no browser download). Saves .artifacts/ui-chat.png and
.artifacts/ui-sidebar.png (the navigation, whose icons must render without an emoji font) and
.artifacts/ui-media.png (a quote and its recording's player)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from interview_qa.assistant import prompts
from interview_qa.ingest import Settings
from interview_qa.ui.launch import settings_env, streamlit_command
from tests.conftest import ROOT, free_port, make_settings, stop_process

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / ".artifacts" / "ui-chat.png"
SIDEBAR = ROOT / ".artifacts" / "ui-sidebar.png"
#: The navigation's icons, as their Material Symbols ligature names.
ICONS = [
    icon.removeprefix(":material/").removesuffix(":")
    for icon in (prompts.PAGE_ICON, prompts.THEMES_PAGE_ICON, prompts.SPEAKERS_PAGE_ICON)
]
LOADED_FONTS = """async () => {
    await document.fonts.ready;
    return [...document.fonts].filter(f => f.status === "loaded").map(f => f.family);
}"""
QUESTION = "How do you measure your impact as a Staff-plus engineer?"


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"streamlit did not answer within {limit} s:\n{log.read_text()}")


def check_navigation_icons(page: Any) -> None:
    """The sidebar's page icons are Material Symbols drawn by the font Streamlit ships (no
    emoji, which Chromium without an emoji font draws as empty boxes); screenshot the sidebar."""
    from playwright.sync_api import expect

    nav = page.get_by_test_id("stSidebarNav")
    icons = nav.get_by_test_id("stIconMaterial")
    expect(icons).to_have_count(len(ICONS))
    assert nav.get_by_test_id("stIconEmoji").count() == 0
    assert [icons.nth(i).inner_text() for i in range(len(ICONS))] == ICONS
    assert "Material Symbols Rounded" in page.evaluate(LOADED_FONTS)
    for i in range(len(ICONS)):
        icon = icons.nth(i)
        assert "Material Symbols" in icon.evaluate("e => getComputedStyle(e).fontFamily")
        # The ligature is drawn as one square glyph, not spelt out as the letters of its name.
        box = icon.bounding_box()
        assert box is not None and 0 < box["width"] <= 1.5 * box["height"], box
    page.get_by_test_id("stSidebar").screenshot(path=str(SIDEBAR))


def test_chat_in_a_real_browser(bundled_settings: Settings, tmp_path: Path) -> None:
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    settings = bundled_settings.with_overrides(ui={"feedback_file": tmp_path / "feedback.jsonl"})
    assert streamlit_command(8501)[:3] == [sys.executable, "-m", "streamlit"]
    with streamlit_server(settings, tmp_path) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 2300})
                page.goto(url)
                box = page.get_by_placeholder(prompts.CHAT_PLACEHOLDER)
                box.wait_for(timeout=60_000)  # the first session loads the embedding model
                expect(
                    page.get_by_role("button", name=prompts.STARTER_QUESTIONS[0])
                ).to_be_visible()
                box.fill(QUESTION)
                box.press("Enter")

                reply = page.get_by_test_id("stChatMessage").nth(1)
                expect(reply).to_contain_text("— S. [1]", timeout=60_000)
                expect(reply).to_contain_text("— G. [")
                expect(reply.get_by_text(prompts.SOURCES, exact=True)).to_be_visible()
                highlight = reply.locator(".stMarkdownColoredBackground")
                # The Sources' passages arrive one by one after the answer's text: wait for the
                # second highlighted quote rather than count what has arrived so far.
                expect(highlight.first).to_be_visible()
                expect(highlight.nth(1)).to_be_visible()
                assert "impact" in highlight.first.inner_text()
                expect(page.get_by_test_id("stSidebar").get_by_text("G. · ")).to_have_count(1)
                # The answer is text, never markup: no link or raw HTML comes out of it.
                assert reply.locator("a[href]").count() == 0
                expect(page.get_by_test_id("stException")).to_have_count(0)
                page.wait_for_timeout(500)  # let the last stream frame settle
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)
                check_navigation_icons(page)
            finally:
                browser.close()
        print(f"screenshots: {SCREENSHOT}, {SIDEBAR}")


MEDIA_SCREENSHOT = ROOT / ".artifacts" / "ui-media.png"
# Chromium plays media without a user gesture (the test starts the player itself).
MEDIA_ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]


@contextmanager
def streamlit_server(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """`streamlit run ui/app.py` with ``settings`` on a free 127.0.0.1 port; its URL."""
    env = settings_env(settings)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            streamlit_command(port, ROOT / "ui" / "app.py"),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        stop_process(proc)


def test_a_quote_plays_from_its_cue_in_a_real_browser(
    tmp_path: Path, embedder: Any, recorded_corpus: Path
) -> None:
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    from interview_qa.ingest import ingest

    settings = make_settings(
        tmp_path / "index",
        corpus={"paths": [recorded_corpus]},
        embedding={"backend": "sentence-transformers"},
        ui={"feedback_file": tmp_path / "feedback.jsonl", "media_lead_s": 0},
    )
    report = ingest([recorded_corpus], settings, embedder=embedder)
    assert not report.errors and not report.notes
    cue_start = 5.0  # the quoted cue's start (tests/conftest.py RECORDED_CUES)
    with streamlit_server(settings, tmp_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=MEDIA_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto(url)
            box = page.get_by_placeholder(prompts.CHAT_PLACEHOLDER)
            box.wait_for(timeout=60_000)
            box.fill("What is the hardest part of the job?")
            box.press("Enter")
            reply = page.get_by_test_id("stChatMessage").nth(1)
            expect(reply).to_contain_text("— L.O. [1]", timeout=60_000)
            # Close the Sources and open them again, as a reader clicking the source would.
            sources = reply.get_by_text(prompts.SOURCES, exact=True)
            audio = reply.locator("audio")
            expect(audio).to_have_count(1)
            sources.click()
            expect(audio).to_be_hidden()
            sources.click()
            expect(audio).to_be_visible()
            expect(reply.get_by_text("at 0:05–0:14", exact=False)).to_be_visible()
            handle = audio.element_handle()
            assert handle is not None
            page.wait_for_function("a => a.readyState >= 1", arg=handle, timeout=20_000)
            cued = float(handle.evaluate("a => a.currentTime"))
            assert abs(cued - cue_start) <= 1.0, cued
            # Its play button (left end of the controls: a click mid-player would seek).
            box_ = audio.bounding_box()
            assert box_ is not None
            audio.click(position={"x": 18, "y": box_["height"] / 2})
            handle.evaluate("a => a.paused ? a.play() : undefined")
            page.wait_for_function("a => !a.paused && a.currentTime > 0", arg=handle)
            played = float(handle.evaluate("a => a.currentTime"))
            assert abs(played - cue_start) <= 1.0, played
            expect(page.get_by_test_id("stException")).to_have_count(0)
            handle.evaluate("a => a.pause()")
            MEDIA_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            reply.screenshot(path=str(MEDIA_SCREENSHOT))
        finally:
            browser.close()
    print(f"screenshot: {MEDIA_SCREENSHOT}")
