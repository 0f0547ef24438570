"""The OpenLineage HTTP endpoint (`lineage serve`): producers POST events, a single writer commits them.

Modules: `app` (the Starlette application: routes, limits, decoding), `auth` (bearer tokens),
`writer` (the bounded queue and group-committing writer thread), `command` (the click command).
"""
