"""Running a scheduled job: `runner` (one run of one job), `reading` (incremental reads of one
source), `sources` (what a job's `sources:` name), `sinks` (where alerts go) and `lock` (one run
of a job at a time). Their configuration is `lineage.jobs`."""
