"""`lineage serve`: run the OpenLineage endpoint."""

from __future__ import annotations

import ipaddress
import logging
import os
import sys

import click

from lineage.cli.options import DB_HELP
from lineage.errors import ConfigError
from lineage.services.journal import journal_folder

DEFAULT_MAX_BODY = 16 * 1024 * 1024
DEFAULT_MAX_INFLIGHT = 128 * 1024 * 1024
DEFAULT_WORKERS = max(2, min(4, os.cpu_count() or 1))


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address (or `localhost`).

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on."
)
@click.option("--db", metavar="STORE", help=DB_HELP)
@click.option("--no-auth", is_flag=True, help="Accept requests without a token (loopback addresses only).")
@click.option(
    "--max-body-bytes",
    default=DEFAULT_MAX_BODY,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest request body, compressed or decompressed; larger ones get 413.",
)
@click.option(
    "--strict", is_flag=True, help="Refuse (422) events that deviate from the OpenLineage schema at all."
)
@click.option(
    "--queue-size",
    default=4096,
    show_default=True,
    type=click.IntRange(1),
    help="Requests that may wait for the writer, and (DuckDB) acknowledged events that may wait "
    "for the store; beyond this, 503 with Retry-After.",
)
@click.option(
    "--map-budget",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds a request's events may take to decode and map (in a worker process); a request "
    "that takes longer gets 413 and its worker is replaced.",
)
@click.option(
    "--workers",
    default=DEFAULT_WORKERS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes mapping requests, so that no request holds up the others.",
)
@click.option(
    "--max-requests",
    default=64,
    show_default=True,
    type=click.IntRange(1),
    help="Requests being read or mapped at once; beyond this, 503 with Retry-After.",
)
@click.option(
    "--max-inflight-bytes",
    default=DEFAULT_MAX_INFLIGHT,
    show_default=True,
    type=click.IntRange(1024),
    help="Request body bytes held at once by the requests being read or mapped (at least "
    "--max-body-bytes); beyond this, 503 with Retry-After.",
)
@click.option(
    "--read-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds a request's whole body may take to arrive; a slower one gets 408 and its "
    "connection is closed.",
)
@click.option(
    "--max-connections",
    default=4096,
    show_default=True,
    type=click.IntRange(1),
    help="Open connections; beyond this, requests get 503 (uvicorn's limit_concurrency).",
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    db: str | None,
    no_auth: bool,
    max_body_bytes: int,
    strict: bool,
    queue_size: int,
    map_budget: float,
    workers: int,
    max_requests: int,
    max_inflight_bytes: int,
    read_timeout: float,
    max_connections: int,
    log_level: str,
) -> int:
    """Run the OpenLineage endpoint: POST /api/v1/lineage (and /api/v1/lineage/batch).

    Producers send events as to Marquez (Airflow, Spark, dbt-ol, Flink, the Python client); each
    gets 201 once it is durable: synced to the journal next to a DuckDB store (and in the store a
    moment later), or committed to PostgreSQL. Events a killed endpoint leaves in the
    journal are stored when it starts again. Requests need `Authorization: Bearer <token>`
    with a token from env LINEAGE_API_TOKENS (comma-separated) or `server: {api_tokens: [...]}`
    in lineage.yaml; --no-auth turns that off and is only allowed on a loopback address.

    \b
    Example:
      LINEAGE_API_TOKENS=$(python -c 'import secrets; print(secrets.token_urlsafe(32))') \\
        lineage serve --host 0.0.0.0 --port 5000
    """
    import uvicorn

    from lineage.cli.options import project_of
    from lineage.server.app import ServerConfig, create_app
    from lineage.server.auth import TokenCheck, tokens_from
    from lineage.server.writer import GroupWriter
    from lineage.services.journal import Journal
    from lineage.store import display_location, open_store

    if max_inflight_bytes < max_body_bytes:
        raise click.UsageError(
            f"--max-inflight-bytes ({max_inflight_bytes:,}) must be at least --max-body-bytes ({max_body_bytes:,})"
        )
    project = project_of(ctx, db)
    settings = project.settings
    if no_auth:
        if not is_loopback(host):
            raise click.UsageError(f"--no-auth is only allowed on a loopback address, not {host!r}")
        tokens = TokenCheck([])
    else:
        tokens = TokenCheck(tokens_from(os.environ, project.api_tokens))
        if not tokens:
            raise ConfigError(
                "no API tokens: set LINEAGE_API_TOKENS or server.api_tokens in lineage.yaml "
                "(or run with --no-auth on 127.0.0.1)"
            )
    folder = journal_folder(settings.db)
    journal = Journal(folder) if folder is not None else None  # refused here, before serving, if busy
    store = open_store(settings.db, lock_timeout=settings.lock_timeout)
    store.migrate()
    logging.basicConfig(
        level=getattr(logging, log_level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    writer = GroupWriter(store, journal=journal, max_queue=queue_size)
    config = ServerConfig(
        tokens=tokens,
        max_body_bytes=max_body_bytes,
        strict=strict,
        max_requests=max_requests,
        max_inflight_bytes=max_inflight_bytes,
        read_timeout=read_timeout,
        map_budget=map_budget,
        workers=workers,
    )
    app = create_app(config, writer)
    logging.getLogger("lineage.server").info(
        "store %s%s; auth %s; body limit %d bytes%s; %d mapping workers, %g s budget; "
        "at most %d requests and %d bytes at once, %g s to send a body",
        display_location(settings.db),
        f" (journal {folder})" if folder else "",
        "on" if tokens else "OFF (--no-auth)",
        max_body_bytes,
        "; strict" if strict else "",
        workers,
        map_budget,
        max_requests,
        max_inflight_bytes,
        read_timeout,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        limit_concurrency=max_connections,
        timeout_keep_alive=5,
    )
    return 0
