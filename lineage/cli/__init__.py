"""The `lineage` command (the shell): one module per command or group, over the services.

Modules: `main` (the group and `main`), `collect` (collect, demo), `graph` (graph, explain),
`export`, `check` (the CI gate), `store` (info, rebuild, copy), `jobs`, `serve` (the endpoint),
`app` (the dashboard), `options` (what commands share), `show` and `policy_show` (what they print).
"""

from lineage.cli.main import cli, main

__all__ = ["cli", "main"]
