"""The OpenLineage HTTP endpoint (`lineage serve`): producers POST events, a single writer commits them.

Modules: `app` (the Starlette application: routes, limits, answers), `workers` (decoding and
mapping requests in worker processes), `auth` (bearer tokens), `writer` (the bounded queue and
group-committing writer thread). The journal it keeps is `lineage.services.journal`; its
command is `lineage.cli.serve`.
"""
