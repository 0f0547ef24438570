"""The five dashboard tasks (benchmarks/dashboard_tasks.py) done in a real headless Chromium
(Debian's, driven by Playwright) at 1440x900 on a copy of the sample pipelines' store: each shows
its answer, and each takes at most 4 actions."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.dashboard_tasks import (
    accept_risk,
    agent_access,
    cache_feed,
    column,
    settle,
    third_parties,
)
from lineage.store import open_store
from tests.app.conftest import ARTIFACTS, RunningApp, start_app, stop_app
from tests.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def tasks_db(samples_db: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the samples store (a task records a review)."""
    db = tmp_path_factory.mktemp("tasks") / "tasks.duckdb"
    shutil.copy(samples_db, db)
    return str(db)


@pytest.fixture(scope="module")
def tasks_app(tasks_db: str) -> Iterator[RunningApp]:
    app = start_app(tasks_db, Path(tasks_db).with_suffix(".log"))
    yield app
    stop_app(app.process)


@pytest.fixture(scope="module")
def tasks_page(tasks_app: RunningApp) -> Iterator[Any]:
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/system-deps.sh"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.outside = []  # requests that left the machine
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
                else page.outside.append(r.url))
        page.goto(tasks_app.url)
        settle(page, "Recent collection runs", timeout=300)
        yield page
        browser.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"task-{name}.png"))


def test_third_parties_receiving_real_pii_and_their_paths_take_three_actions(
        tasks_app: RunningApp, tasks_page: Any) -> None:
    task = third_parties(tasks_page, tasks_app.url)
    shot(tasks_page, "third-parties")
    assert len(task.actions) <= 4, task.actions
    assert task.answer and task.answer.split()[0] != "0", task.answer  # "N paths to M endpoints."
    assert "Paths from where the data enters the map" in tasks_page.locator("[data-testid='stMain']").inner_text()


def test_what_feeds_a_cache_and_its_origin_take_three_actions(tasks_app: RunningApp, tasks_page: Any) -> None:
    task = cache_feed(tasks_page, tasks_app.url)
    shot(tasks_page, "cache-feed")
    assert len(task.actions) <= 4, task.actions
    assert task.answer.startswith("Origin: ") and task.answer.split()[-1] in {"real", "synthetic", "mixed", "unknown"}


def test_an_agents_grants_against_its_use_take_two_actions(tasks_app: RunningApp, tasks_page: Any) -> None:
    task = agent_access(tasks_page, tasks_app.url)
    shot(tasks_page, "agent-access")
    assert len(task.actions) <= 4, task.actions
    assert "With unused grants: 3;" in task.answer, task.answer


def test_a_column_end_to_end_takes_two_actions(tasks_app: RunningApp, tasks_page: Any) -> None:
    task = column(tasks_page, tasks_app.url)
    shot(tasks_page, "column")
    assert len(task.actions) <= 4, task.actions
    assert "(columns)" in tasks_page.locator("[data-testid='stMain']").inner_text()


def test_accepting_a_risk_and_finding_it_again_take_four_actions(tasks_db: str, tasks_app: RunningApp,
                                                                  tasks_page: Any) -> None:
    store = open_store(tasks_db)
    assert not store.reviews()
    task = accept_risk(tasks_page, tasks_app.url)
    shot(tasks_page, "accept-risk")
    [review] = store.reviews()
    assert review.status == "accepted_risk" and review.reviewer == "sec-lead@acme.com"
    assert review.fingerprint in task.answer and "lists 1 of " in task.answer, task.answer
    assert "decision accepted_risk by sec-lead" in task.answer, "found again with its decision in the header"
    assert len(task.actions) <= 4, task.actions


def test_the_tasks_load_nothing_from_outside_the_machine(tasks_app: RunningApp, tasks_page: Any) -> None:
    third_parties(tasks_page, tasks_app.url)  # the new pages and their links, once more if run alone
    tasks_page.goto(f"{tasks_app.url}/paths")
    settle(tasks_page, "Pick two nodes")
    assert tasks_page.outside == []
