"""Scheduled collector jobs and production monitoring (`lineage jobs`; see docs/jobs.md).

Modules, from the edge inwards: `command` (the CLI), `scheduler` (the long-running loop),
`runner` (one run of one job), `reading` (incremental reads of one source), `sources` (what a
job's `sources:` name), `sinks` (where alerts go), `lock` (one run of a job at a time),
`config` (the `jobs:` and `monitor:` sections) and `schedule` (intervals and cron). The pure
part of monitoring, the new flows and findings of a run, is `lineage.monitor`.
"""
