"""Dashboard scale benchmark: open the Explore page on one node of a 100,000-dataset store and time
until the graph is drawn, in a real headless Chromium (Debian's, driven by Playwright).

The store is the one `benchmarks/graph_scale.py` generates (100,000 datasets, ~1,000,000 edges).
`lineage app` serves it; the Overview is opened first (cold: a fresh dashboard process), then
Explore on one node (cold) and on several nodes it has not drawn before (warm), each timed from
navigation to the graph's first frame.

    python benchmarks/app_scale.py                    # 100,000 datasets
    python benchmarks/app_scale.py --datasets 10000   # a quick run
    python benchmarks/app_scale.py --backend postgresql [--pg-url URL] [--no-browser]

Targets: the Overview's counts shown < 3 s after the dashboard starts (cold); Explore of a node to
the graph drawn < 1.5 s. The dashboard reads the part of the store a page is about (the current
graph the store keeps), so "cold" and "warm" differ little.

`--backend postgresql` puts the store in PostgreSQL (a throwaway cluster, or a fresh schema in the
database `--pg-url` names) and serves the dashboard against it. `--no-browser` skips Chromium and
times what the server side of Explore does instead, before and after: the graph merged from every
fact then each node's focused view (depth 2, as Explore opens), against each node's neighbourhood
read from the store's current graph.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.graph_scale import LAYERS, generate, print_table
from benchmarks.openlineage_ingest import postgres_schemas
from lineage.store import open_store
from tests.app.conftest import start_app, stop_app
from tests.browser import CHROMIUM_ARGS


def open_overview(page, url: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigating to the Overview to its counts shown (the findings may follow)."""
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_function("() => { const m = document.querySelector(\"[data-testid='stMain']\"); "
                           "return !!m && m.innerText.includes('Flows (read/write)'); }", timeout=300_000)
    return time.perf_counter() - t


def open_explore(page, url: str, node: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds from navigating to Explore on `node` to the page's title, and to the graph's first frame."""
    t = time.perf_counter()
    page.goto(f"{url}/explore?node={quote(node)}")
    page.wait_for_selector("h1", timeout=300_000)
    title = time.perf_counter() - t
    page.locator(".lineage-graph[data-drawn='1']").first.wait_for(state="attached", timeout=300_000)
    return title, time.perf_counter() - t


def server_side(location: str, picks: list[str]) -> list[tuple[str, str, str]]:
    """Explore without a browser, before and after: the whole graph merged from the facts then each
    node's focused view, against each node's neighbourhood read from the store's current graph."""
    from app.components.graph_model import Filters, focus_view
    from lineage import focused
    from lineage.graph import LineageGraph

    store = open_store(location)
    t = time.perf_counter()
    g = LineageGraph.from_data(store.graph_data())
    build_s = time.perf_counter() - t
    merged, kept = [], []
    for node in picks:
        t = time.perf_counter()
        focus_view(g, node, depth=2, filters=Filters())
        merged.append(time.perf_counter() - t)
        t = time.perf_counter()
        view = focus_view(focused.neighbourhood(store, node, depth=2, grants=False), node, depth=2,
                          filters=Filters())
        kept.append(time.perf_counter() - t)
    return [
        ("before: merge every fact into the graph (once)", f"{build_s:.2f} s", ""),
        (f"before: focused view on the merged graph, median of {len(picks)}",
         f"{statistics.median(merged) * 1000:.0f} ms", ""),
        (f"after: neighbourhood read from the store + focused view, median of {len(picks)}",
         f"{statistics.median(kept) * 1000:.0f} ms (max {max(kept) * 1000:.0f} ms; {len(view.nodes)} nodes)",
         "< 1.5 s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=None, help="default: ten per dataset")
    parser.add_argument("--nodes", type=int, default=5, help="how many nodes to open warm")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--backend", choices=["duckdb", "postgresql"], default="duckdb")
    parser.add_argument("--pg-url", help="a PostgreSQL database to use (default: start a throwaway cluster)")
    parser.add_argument("--no-browser", action="store_true", help="time the server side of Explore only")
    args = parser.parse_args()
    import os

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, postgres_schemas(args.backend, args.pg_url) as fresh_pg:
        location = fresh_pg() if fresh_pg is not None else str(Path(tmp) / "bench.duckdb")
        store = open_store(location)
        store.migrate()
        t = time.perf_counter()
        for batch in generate(args.datasets, args.edges or 10 * args.datasets, 20):
            store.ingest(batch)
        ingest_s = time.perf_counter() - t
        names = [f"dataset:postgres://warehouse.internal:5432:d{d}.layer{LAYERS // 2}.t{i}"
                 for d in range(max(1, args.datasets // 200)) for i in range(3)]
        rng = random.Random(3)
        picks = rng.sample(names, args.nodes + 1)
        rows = [
            ("store", f"{args.backend}", ""),
            ("datasets in the store", f"{args.datasets:,}", ""),
            ("generate + ingest (setup)", f"{ingest_s:.1f} s", ""),
        ]
        if args.no_browser:
            rows += server_side(location, picks)
        else:
            rows += browser_side(location, picks, Path(tmp), args.chromium)
    load_after = os.getloadavg()
    rows.append(("load average (1, 5, 15 min) before / after",
                 f"{' '.join(f'{x:.2f}' for x in load_before)} / {' '.join(f'{x:.2f}' for x in load_after)}", ""))
    print_table(rows)


def browser_side(location: str, picks: list[str], tmp: Path, chromium: str) -> list[tuple[str, str, str]]:
    """Explore in headless Chromium: the first (cold) view, then warm views of new nodes."""
    from playwright.sync_api import sync_playwright

    app = start_app(location, tmp / "app.log")  # `lineage app` takes a file or a postgresql:// URL
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            overview = open_overview(page, app.url)
            cold = open_explore(page, app.url, picks[0])[1]
            timed = [open_explore(page, app.url, node) for node in picks[1:]]
            warm = [t for _, t in timed]
            titles = [t for t, _ in timed]
            sizes = page.evaluate("() => window.lineageNetwork.body.nodeIndices.length")
            browser.close()
    finally:
        stop_app(app.process)
    return [
        ("cold: Overview, from navigating to its counts shown", f"{overview:.2f} s", "< 3 s"),
        ("cold: first Explore of a node, to the graph drawn", f"{cold:.2f} s", "< 1.5 s"),
        (f"warm: Explore on a new node, median of {len(warm)}", f"{statistics.median(warm):.2f} s "
         f"(max {max(warm):.2f} s; last view {sizes} nodes)", "< 3 s"),
        ("  of which: page shell until the title shows", f"{statistics.median(titles):.2f} s", ""),
    ]


if __name__ == "__main__":
    main()
