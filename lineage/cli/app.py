"""`lineage app`: serve the dashboard (`app/`) with Streamlit in a child process; only app/ imports streamlit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click

from lineage.cli.options import DB_HELP

ENTRY = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


def streamlit_command(db: str | None, *, port: int, host: str) -> list[str]:
    """The command line that serves the dashboard on `host:port` for the store `db` (None: the
    store the environment and project file name).

    Example:
        >>> streamlit_command("x.duckdb", port=8501, host="127.0.0.1")[-2:]
        ['--db', 'x.duckdb']
    """
    return [sys.executable, "-m", "streamlit", "run", str(ENTRY), "--server.headless", "true",
            "--server.port", str(port), "--server.address", host, "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--global.developmentMode", "false",
            *(["--", "--db", db] if db is not None else [])]


def serve_app(db: str, *, port: int = 8501, host: str = "127.0.0.1") -> int:
    """Run the dashboard until it stops (Ctrl-C); returns its exit code."""
    from lineage.store import display_location

    click.echo(f"Dashboard on http://{host}:{port}  (store {display_location(db)}; Ctrl-C to stop)")
    if "://" in db:  # a server URL goes through the environment: no password in the process list
        command = streamlit_command(None, port=port, host=host)
        process = subprocess.Popen(command, env={**os.environ, "LINEAGE_DB": db})
    else:
        process = subprocess.Popen(streamlit_command(str(Path(db).resolve()), port=port, host=host))

    def forward(signum: int, _frame: object) -> None:  # a SIGTERM to us stops the server too
        process.terminate()

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("app")
@click.option("--db", metavar="STORE", help=DB_HELP)
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.pass_context
def app_command(ctx: click.Context, db: str | None, port: int, host: str) -> int:
    """Serve the dashboard: overview, explore, node detail, third parties, paths, findings, identities,
    history, collectors.

    It only reads the store (and records review decisions), through short-lived connections, so
    collectors and `lineage serve` keep writing while it runs.

    \b
    Example:
      lineage app --db lineage.duckdb --port 8501
    """
    from lineage.cli.options import settings_of

    settings = settings_of(ctx, db)
    return serve_app(settings.db, port=port, host=host)
