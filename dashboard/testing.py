"""Driving the dashboard in a real browser: start the app, launch Chromium, read what is shown.

Used by tests/python/test_dashboard.py and test_docs_site.py, and handy by hand:

    .venv/bin/python -m dashboard.testing screenshot <snapshot dir> <out dir>

Chromium is Debian's /usr/bin/chromium (`make chromium` installs it), driven by Playwright;
Playwright's own browser download (`playwright install`) is never used.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from dashboard.data import REPO_ROOT, SNAPSHOT_ENV
from dashboard.format import SNAKE_CASE

CHROMIUM = os.environ.get("REVENUE_ML_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: The app's pages as (url path, title); the exposures in models/exposures.yml use the same urls.
PAGES = [
    ("sales", "Sales pipeline"),
    ("churn", "Churn"),
    ("campaign", "Campaign"),
    ("ecommerce", "Insiders"),
    ("enrollment", "Enrollment"),
    ("model-health", "Model health"),
]


#: The landing page (url path, heading).
HOME = ("", "Revenue ML")


class ChromiumUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium; raises ChromiumUnavailable with the reason if it cannot start."""
    if not Path(CHROMIUM).exists():
        raise ChromiumUnavailable(
            f"{CHROMIUM} not found: install Debian's chromium (`make chromium`, i.e. "
            "`apt-get install -y chromium`); the dashboard tests need a real browser"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise ChromiumUnavailable(f"playwright is not installed in the venv: {exc}") from exc
    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as exc:  # noqa: BLE001 - re-raised with the reason
            raise ChromiumUnavailable(f"Chromium at {CHROMIUM} failed to start: {exc}") from exc
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def running_app(
    snapshot_dir: Path,
    *,
    port: int | None = None,
    poll_seconds: float = 2,
    log_path: Path | None = None,
) -> Iterator[str]:
    """`streamlit run dashboard/app.py` on a free local port; yields the base url."""
    port = port or free_port()
    env = {
        **os.environ,
        SNAPSHOT_ENV: str(snapshot_dir),
        "REVENUE_ML_DASHBOARD_POLL_SECONDS": str(poll_seconds),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "dashboard" / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--server.maxUploadSize",
        os.environ.get("REVENUE_ML_SCORE_MAX_MB", "50"),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode} (log: {log_path})")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url} within 60 s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path:
            log.close()


def wait_for_page(page, title: str, timeout_ms: int = 60_000) -> None:
    """Wait until the page's title heading is drawn and Streamlit has stopped running."""
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_ms)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=timeout_ms
    )
    # Charts draw after the script ends.
    page.wait_for_load_state("networkidle", timeout=timeout_ms)
    page.wait_for_timeout(1500)


#: Texts a business page never shows: a missing value as the library prints it.
NOT_SHOWN = frozenset({"nan", "NaN", "None", "NaT", "null", "<NA>"})


def goto(page, url: str, path: str, title: str) -> None:
    """Open the page at ``path`` and wait for it; fail when it shows an exception or a part of
    it could not be drawn."""
    page.goto(f"{url}/{path}")
    wait_for_page(page, title)
    assert page.locator('[data-testid="stException"]').count() == 0, f"{title}: exception shown"
    assert page.get_by_text("could not be drawn").count() == 0, f"{title}: page failed"


def assert_business_terms(page, title: str) -> None:
    """Every business table and metric of the open page in business terms: no snake_case
    header, no missing value printed as the library prints it (:data:`NOT_SHOWN`)."""
    for i in range(page.locator("table.decision-list").count()):
        headers, rows = decision_table(page, i)
        snake = [h for h in headers if SNAKE_CASE.match(h)]
        assert not snake, f"{title}: snake_case headers {snake}"
        cells = {c for row in rows for c in row}
        assert not cells & NOT_SHOWN, f"{title}: {cells & NOT_SHOWN}"
    values = set(page.locator('[data-testid="stMetricValue"]').all_inner_texts())
    assert not values & NOT_SHOWN, f"{title}: metric shows {values & NOT_SHOWN}"


def metric(page, label: str) -> str:
    """The value shown by the st.metric labelled ``label``."""
    box = (
        page.locator('[data-testid="stMetric"]')
        .filter(has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
        .first
    )
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the st.selectbox labelled ``label`` (typed, then Enter)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.locator("input").click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.click()


def decision_table(page, index: int = 0) -> tuple[list[str], list[list[str]]]:
    """Headers and cell texts of the ``index``-th business table on the page."""
    table = page.locator("table.decision-list").nth(index)
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = [
        [c.strip() for c in row.locator("td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]
    return headers, rows


def column(page, header: str, index: int = 0) -> list[str]:
    """One column's cell texts of a business table, by header."""
    headers, rows = decision_table(page, index)
    position = headers.index(header)
    return [row[position] for row in rows]


def money_value(text: str) -> float:
    """ "-€1,234" -> -1234.0."""
    number = float(re.sub(r"[^\d.]", "", text))
    return -number if text.strip().startswith("-") else number


def metric_int(page, label: str) -> int:
    return int(re.sub(r"[^\d-]", "", metric(page, label)))


def full_page_screenshot(page, path: Path, width: int = 1400) -> None:
    """The whole page, not only the viewport: Streamlit scrolls inside its main container, so
    the viewport is first grown to that container's full height."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": width, "height": max(800, int(height) + 40)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000})


def screenshot_pages(snapshot_dir: Path, out_dir: Path) -> None:
    """Screenshot every page, full length (the README's images come from here)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with running_app(snapshot_dir) as url, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1700, "height": 1000})
        for path, title in [HOME, *PAGES]:
            page.goto(f"{url}/{path}")
            wait_for_page(page, title)
            name = (path or "home").replace("-", "_")
            full_page_screenshot(page, out_dir / f"dashboard_{name}.png")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "screenshot":
        screenshot_pages(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit("usage: python -m dashboard.testing screenshot <snapshot dir> <out dir>")
