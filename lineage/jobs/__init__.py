"""Scheduled collector jobs and production monitoring: their configuration (see docs/jobs.md).

`config` (the `jobs:` and `monitor:` sections) and `schedule` (intervals and cron) are here, in the
core; running a job is a service (`lineage.services.jobs`: `runner` one run of one job, `reading`
incremental reads of one source, `sources` what a job's `sources:` name, `sinks` where alerts
go, `lock` one run of a job at a time); the long-running loop is `lineage.scheduler` and the
commands `lineage.cli.jobs`. The pure part of monitoring, the new flows and findings of a run, is
`lineage.monitor`.
"""
