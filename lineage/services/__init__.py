"""The services: what the CLI, the endpoint, the scheduler, the dashboard and the benchmarks do
with a store, each written once. The only layer that joins collectors to the store.

- `fold` opens a store current: with every event an endpoint acknowledged (its `journal`);
- `collect` collects sources into a store, and rebuilds one from its kept inputs;
- `check` evaluates the policy on a store, with its reviews and evidence;
- `jobs` runs a scheduled job once;
- `progress` is how a long service reports how far it is.
"""
