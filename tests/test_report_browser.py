"""report.html in a real headless browser: Chromium renders it, the page logs no errors and
loads every resource, each claim formula is laid out as MathML, and the screenshot is not blank.

Chromium is driven through its DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), so no Python package beyond
the standard library is needed. Without a Chromium binary the tests are skipped with the reason;
``.ci/run`` installs Debian's ``chromium`` on a best-effort basis.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

#: Where the screenshot of the last rendered report is kept when set (for looking at it).
SCREENSHOT_DIRECTORY = os.environ.get("GHOSTSYM_SCREENSHOT_DIRECTORY", "")
#: Seconds the browser gets for one protocol answer or for the page to load.
PROTOCOL_TIMEOUT = 60.0


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """A headless Chromium driven over the DevTools pipe (one page, flat session)."""

    def __init__(self, binary: str, profile: str):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def descriptors():  # the protocol's fixed descriptors: 3 reads commands, 4 answers
            reading, writing = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",  # the CI runs as root
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),  # kept open after ``descriptors`` ran in the child
            preexec_fn=descriptors,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = ""

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(remaining, 0.0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise ConnectionError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: bool = True, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + PROTOCOL_TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + PROTOCOL_TIMEOUT
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def open(self, url: str, width: int = 1280, height: int = 1600) -> None:
        target = self.send("Target.createTarget", session=False, url="about:blank")["targetId"]
        self.session = self.send(
            "Target.attachToTarget", session=False, targetId=target, flatten=True
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def screenshot(self) -> bytes:
        import base64

        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, error log entries, failed loads."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning"):
                text = " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                found.append(f"console {params['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                entry = params["entry"]
                found.append(f"log {entry['level']}: {entry['text']} ({entry.get('url', '')})")
            elif method == "Network.loadingFailed":
                found.append(f"failed load: {params.get('errorText')}")
            elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                found.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
        return found

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (ConnectionError, TimeoutError, RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def render(binary: str, page: Path) -> tuple[Browser, bytes]:
    """Open ``page`` in a fresh browser, return it (closed) and its screenshot."""
    profile = tempfile.mkdtemp()
    browser = Browser(binary, profile)
    try:
        browser.open(page.resolve().as_uri())
        return browser, browser.screenshot()
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def picture_statistics(png: bytes) -> tuple[int, float]:
    """(distinct colours, fraction of pixels that are not the page background)."""
    import io

    from matplotlib.image import imread

    pixels = np.asarray(imread(io.BytesIO(png), format="png"))[..., :3]
    flat = np.round(pixels.reshape(-1, 3) * 255).astype(np.uint8)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    return len(colours), 1.0 - counts.max() / counts.sum()


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    """report.html of two cheap experiments (theory layer, about 5 s), with their figures."""
    from ghostsym.experiments.theory import run_descent, run_passage_times
    from ghostsym.plotting.theory import plot_descent, plot_passage_times
    from ghostsym.report._report import ExperimentRecord, write_report

    directory = tmp_path_factory.mktemp("report")
    records = []
    for run, plot in ((run_passage_times, plot_passage_times), (run_descent, plot_descent)):
        outcome = run("quick")
        figures = plot(outcome, directory / "figures")
        records.append(ExperimentRecord(outcome, "ran", figures=figures))
    return write_report(directory, records, scale="quick").html


def test_report_renders_without_errors_and_shows_its_formulas(small_report):
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium); .ci/run installs it")
    profile = tempfile.mkdtemp()
    browser = Browser(binary, profile)
    try:
        browser.open(small_report.resolve().as_uri())
        formulas = browser.evaluate(
            "Array.from(document.querySelectorAll('math')).map(m => {"
            " const box = m.getBoundingClientRect(); return [box.width, box.height]; })"
        )
        images = browser.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth])"
        )
        screenshot = browser.screenshot()
        problems = browser.problems()
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    if SCREENSHOT_DIRECTORY:
        Path(SCREENSHOT_DIRECTORY).mkdir(parents=True, exist_ok=True)
        (Path(SCREENSHOT_DIRECTORY) / "report_html.png").write_bytes(screenshot)
    assert problems == []
    # every claim of these experiments carries a derived formula; each is laid out as MathML
    assert len(formulas) >= 5
    assert all(width > 5 and height > 5 for width, height in formulas), formulas
    assert images and all(complete and width > 100 for complete, width in images), images
    colours, covered = picture_statistics(screenshot)
    assert len(screenshot) > 20_000
    assert colours >= 8, colours  # text, table borders and the verdict colours at least
    assert covered > 0.02, covered  # not a blank page


def test_a_broken_page_is_caught(tmp_path):
    """The checks can fail: a page with a missing image and a script error is reported."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium); .ci/run installs it")
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>text</p><img src='missing.png'>"
        "<script>console.error('broken on purpose'); undefined_function();</script>"
        "</body></html>"
    )
    browser, screenshot = render(binary, page)
    problems = browser.problems()
    assert any("broken on purpose" in problem for problem in problems), problems
    assert any(problem.startswith("exception") for problem in problems), problems
    assert any(problem.startswith("failed load") for problem in problems), problems
    colours, covered = picture_statistics(screenshot)
    assert covered < 0.02  # almost blank: the same statistic rejects it
