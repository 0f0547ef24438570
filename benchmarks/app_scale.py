"""Dashboard scale benchmark: open the Explore page on one node of a 100,000-dataset store and time
until the graph is drawn, in a real headless Chromium (Debian's, driven by Playwright).

The store is the one `benchmarks/graph_scale.py` generates (100,000 datasets, ~1,000,000 edges).
`lineage app` serves it; the first page load builds the graph (reported separately, "cold"); then
Explore is opened on several nodes it has not drawn before ("warm": the graph is built, the
neighbourhood, its layout and the drawing are not) and each is timed from navigation to the
graph's first frame.

    python benchmarks/app_scale.py                    # 100,000 datasets
    python benchmarks/app_scale.py --datasets 10000   # a quick run

Target: Explore on a node to the graph drawn < 3 s.
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

from benchmarks.graph_scale import LAYERS, generate
from lineage.store import open_store
from tests.app.conftest import start_app, stop_app

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def open_explore(page, url: str, node: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds from navigating to Explore on `node` to the page's title, and to the graph's first frame."""
    t = time.perf_counter()
    page.goto(f"{url}/explore?node={quote(node)}")
    page.wait_for_selector("h1", timeout=300_000)
    title = time.perf_counter() - t
    page.frame_locator("iframe").first.locator("body[data-drawn='1']").wait_for(state="attached", timeout=300_000)
    return title, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=None, help="default: ten per dataset")
    parser.add_argument("--nodes", type=int, default=5, help="how many nodes to open warm")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        store = open_store(db)
        store.migrate()
        t = time.perf_counter()
        for batch in generate(args.datasets, args.edges or 10 * args.datasets, 20):
            store.ingest(batch)
        ingest_s = time.perf_counter() - t
        names = [f"dataset:postgres://warehouse.internal:5432:d{d}.layer{LAYERS // 2}.t{i}"
                 for d in range(max(1, args.datasets // 200)) for i in range(3)]
        rng = random.Random(3)
        picks = rng.sample(names, args.nodes + 1)
        app = start_app(str(db), Path(tmp) / "app.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
                page = browser.new_page(viewport={"width": 1500, "height": 1000})
                cold = open_explore(page, app.url, picks[0])[1]
                timed = [open_explore(page, app.url, node) for node in picks[1:]]
                warm = [t for _, t in timed]
                titles = [t for t, _ in timed]
                sizes = page.frame_locator("iframe").first.locator("body").evaluate(
                    "() => window.lineageNetwork.body.nodeIndices.length")
                browser.close()
        finally:
            stop_app(app.process)

    rows = [
        ("datasets in the store", f"{args.datasets:,}", ""),
        ("generate + ingest (setup)", f"{ingest_s:.1f} s", ""),
        ("cold: first Explore, graph built on the way", f"{cold:.2f} s", ""),
        (f"warm: Explore on a new node, median of {len(warm)}", f"{statistics.median(warm):.2f} s "
         f"(max {max(warm):.2f} s; last view {sizes} nodes)", "< 3 s"),
        ("  of which: page shell until the title shows", f"{statistics.median(titles):.2f} s", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'result':<44}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<44}  {target}")


if __name__ == "__main__":
    main()
