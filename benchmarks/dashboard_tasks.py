"""Dashboard tasks benchmark: five questions people bring to the dashboard, answered in a real
headless Chromium (Debian's, driven by Playwright) at 1440x900 on the demo store (the sample
pipelines collected), counting the actions each takes and timing each interaction.

    python benchmarks/dashboard_tasks.py                    # the demo store, built in a temp folder
    python benchmarks/dashboard_tasks.py --db lineage.duckdb --shots docs/tasks

The tasks:
1. which third parties receive real PII, and through which paths;
2. what feeds a cache, and whether any of it is synthetic;
3. what an agent may read and write, against what it uses;
4. one column, end to end;
5. accept a risk, and find the finding again (by the link its confirmation gives).

An action is what a person does: open a page (typing its address or following a link), click,
type into a box. Each interaction is timed from the action to the page settled (Streamlit's
script finished and the awaited answer shown). Targets: at most 4 actions per task, each
interaction under 1 s on the demo store.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lineage.cli import main as lineage_main
from tests.app.conftest import start_app, stop_app
from tests.browser import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
MAIN = "[data-testid='stMain']"
CACHE = "dataset:redis://rag-cache.internal:6379:rag.responses"
AGENT = "eng-triage-agent"
COLUMN_NODE = "dataset:redis://agent-memory.internal:6379:triage-agent.sessions"
ROW = 35  # st.dataframe's header and row height, in CSS pixels


@dataclass
class Task:
    title: str
    actions: list[tuple[str, float]] = field(default_factory=list)
    answer: str = ""


_SHOWN = ("([main_sel, sel, text, before, grace]) => { const main = document.querySelector(main_sel); "
          "if (!main || (main.innerText === before && Date.now() < grace)) return false; "
          "return [...document.querySelectorAll(sel)].some(e => "
          "e.innerText.replace(/[\\u2060\\u2068\\u2069]/g, '').includes(text)); }")
GRACE = 1.5
"""Seconds after which a page that looks as before is taken as answered (an action can leave it unchanged)."""


def settle(page: Any, awaited: str, *, before: str | None = None, where: str = MAIN, timeout: float = 120) -> None:
    """Wait until the page differs from `before` (or `GRACE` has passed), an element matching
    `where` shows `awaited` (word joiners and isolates aside), and Streamlit's script has finished."""
    grace = (time.time() + GRACE) * 1000
    page.wait_for_function(_SHOWN, arg=[MAIN, where, awaited, before, grace], timeout=timeout * 1000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=timeout * 1000)


def act(task: Task, page: Any, what: str, do: Callable[[], Any], awaited: str, where: str = MAIN) -> None:
    """Do one action and time it until the page has changed, shows `awaited` and has settled."""
    main = page.locator(MAIN)
    before = str(main.inner_text()) if main.count() else None
    t = time.perf_counter()
    do()
    settle(page, awaited, before=before, where=where)
    task.actions.append((what, time.perf_counter() - t))
    steady(page)


def steady(page: Any, quiet_ms: int = 400, timeout: float = 60) -> None:
    """Wait (untimed) until the page has stopped changing for `quiet_ms`: Streamlit replaces a
    page's elements one by one, so the awaited one can show before those after it."""
    deadline = time.monotonic() + timeout
    last = page.locator(MAIN).inner_text()
    while time.monotonic() < deadline:
        page.wait_for_timeout(quiet_ms)
        now = page.locator(MAIN).inner_text()
        running = page.locator("[data-testid='stStatusWidget']").count()
        if now == last and not running:
            return
        last = now


def click_row(page: Any, table: int, text: str | None = None) -> None:
    """Select a row of the `table`-th dataframe by its row marker: the first row whose visible
    cells contain `text`, or the first row."""
    frame = page.locator("[data-testid='stDataFrame']").nth(table)
    frame.scroll_into_view_if_needed()
    rows = frame.locator("[role='row']")
    row = rows.filter(has_text=text).first if text is not None else rows.nth(1)
    row.wait_for(state="attached", timeout=60_000)
    index = int(row.get_attribute("aria-rowindex") or 2) - 1  # the header is row 1
    box = frame.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + ROW * index + ROW / 2)


def main_text(page: Any) -> str:
    return str(page.locator(MAIN).inner_text())


def third_parties(page: Any, url: str) -> Task:
    task = Task("Third parties receiving real PII, and the paths")
    act(task, page, "open Third parties", lambda: page.goto(f"{url}/third-parties"), "Download as Markdown")
    act(task, page, "toggle: only endpoints receiving real sensitive data",
        lambda: page.get_by_text("Only endpoints receiving real sensitive data").click(), "Download as Markdown")
    act(task, page, "select the first vendor", lambda: click_row(page, 0), "Paths from where the data enters the map")
    task.answer = next((line for line in main_text(page).splitlines()
                        if re.match(r"\d+ paths? to \d+ endpoints?", line)), "")
    return task


def cache_feed(page: Any, url: str) -> Task:
    task = Task("What feeds a cache, and is any of it synthetic")
    act(task, page, "open the cache's page", lambda: page.goto(f"{url}/node?node={quote(CACHE)}"), "Upstream")
    act(task, page, "Tags tab", lambda: page.get_by_role("tab", name="Tags").click(), "Origin:")
    origin = next((line for line in main_text(page).splitlines() if line.startswith("Origin:")), "")
    origin = re.sub("[\u2060\u2068\u2069]", "", origin)
    act(task, page, "Upstream tab (with each node's origin)", lambda: page.get_by_role("tab", name="Upstream").click(),
        "Download upstream as CSV")
    task.answer = origin
    return task


def agent_access(page: Any, url: str) -> Task:
    task = Task("What an agent may read and write, against what it uses")
    act(task, page, "open Identities", lambda: page.goto(f"{url}/identities"), "unused grants")
    act(task, page, f"select {AGENT}", lambda: click_row(page, 0, AGENT), f"agents:{AGENT}", where="h3")
    metrics = page.locator("[data-testid='stMetric']").all_inner_texts()
    task.answer = "; ".join(re.sub(r"\s*\n+\s*", ": ", m.strip()) for m in metrics)
    return task


def column(page: Any, url: str) -> Task:
    task = Task("One column, end to end")
    act(task, page, "open Explore on the agent memory", lambda: page.goto(f"{url}/explore?node={quote(COLUMN_NODE)}"),
        "Nodes in view")
    act(task, page, "toggle: column-level lineage", lambda: page.get_by_text("Column-level lineage").click(),
        "(columns)")
    return task


def accept_risk(page: Any, url: str) -> Task:
    task = Task("Accept a risk, and find it again")
    act(task, page, "open Findings (the first finding listed is shown)", lambda: page.goto(f"{url}/findings"),
        "Record the decision")
    fingerprint = next(line for line in main_text(page).splitlines() if line.startswith("fingerprint "))
    fingerprint = fingerprint.removeprefix("fingerprint ").strip("\u2068\u2069 ")
    form = page.locator("[data-testid='stForm']")

    def fill() -> None:
        form.get_by_label("Reviewer").fill("sec-lead@acme.com")
        form.get_by_label("Reason").fill("vendor DPA signed; revisit next quarter")

    t = time.perf_counter()
    fill()
    task.actions.append(("type reviewer and reason", time.perf_counter() - t))
    act(task, page, "record the decision", lambda: form.get_by_role("button", name="Record the decision").click(),
        "Decision recorded.")
    link = page.get_by_role("link", name="This finding's own link").get_attribute("href") or ""
    assert fingerprint in unquote(link), link
    act(task, page, "later: open the finding's own link", lambda: page.goto(f"{url}/findings?q={quote(fingerprint)}"),
        "accepted_risk")
    listed = next((line for line in main_text(page).splitlines() if re.match(r"\d+ of \d+ findings?", line)), "")
    header = next((line for line in main_text(page).splitlines() if "decision" in line and "accepted_risk" in line), "")
    header = re.sub("[\u2060\u2068\u2069]", "", header)
    task.answer = f"decided {fingerprint}; its link lists {listed.split('.')[0]}; {header}"
    return task


def demo_store(folder: Path) -> str:
    db = folder / "demo.duckdb"
    lineage_main(["collect", str(ROOT / "sample_pipelines"), "--db", str(db)])
    return str(db)


def run(db: str, folder: Path, chromium: str, shots: Path | None) -> list[Task]:
    from playwright.sync_api import sync_playwright

    app = start_app(db, folder / "app.log")
    tasks = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(app.url)  # warm: the first visit builds the caches every task shares
            settle(page, "Recent collection runs", timeout=300)
            for step in (third_parties, cache_feed, agent_access, column, accept_risk):
                try:
                    task = step(page, app.url)
                except Exception:
                    page.screenshot(path=str(folder / "failed.png") if shots is None else str(shots / "failed.png"),
                                    full_page=True)
                    raise
                tasks.append(task)
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f"task-{len(tasks)}.png"), full_page=True)
            browser.close()
    finally:
        stop_app(app.process)
    return tasks


def report(tasks: list[Task]) -> None:
    for i, task in enumerate(tasks, 1):
        print(f"\n{i}. {task.title}: {len(task.actions)} actions"
              + (f" (target at most 4: {'met' if len(task.actions) <= 4 else 'missed'})"))
        for what, seconds in task.actions:
            print(f"   {seconds:6.2f} s  {what}")
        if task.answer:
            print(f"   answer shown: {task.answer}")
    every = [s for task in tasks for _, s in task.actions]
    print(f"\n{len(every)} interactions; slowest {max(every):.2f} s; under 1 s: {sum(1 for s in every if s < 1)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a store to use (default: the sample pipelines collected into a temp folder)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--shots", type=Path, help="save a screenshot after each task in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report(run(args.db or demo_store(folder), folder, args.chromium, args.shots))


if __name__ == "__main__":
    main()
