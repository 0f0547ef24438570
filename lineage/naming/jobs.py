"""Job identity for dbt: one process per dbt node, whichever command ran it and whoever reported it.

dbt-ol (openlineage-dbt) names a node's job ``<database>.<schema>.<package>.<node>`` and adds a
suffix that depends on the command; the dbt manifest collector names the same node's process
``<package>.<node>``. `dbt_process_name` maps the first to the second:

| dbt-ol job name | command | process |
| --- | --- | --- |
| ``<db>.<schema>.<package>.<model>`` | ``dbt-ol run`` | ``<package>.<model>`` |
| ``... .build.run`` | ``dbt-ol build`` (a model) | ``<package>.<model>`` |
| ``... .build.snapshot`` | ``dbt-ol build`` (a snapshot) | ``<package>.<snapshot>`` |
| ``... .build.seed`` | ``dbt-ol build`` (a seed, the same pattern; 1.54 sends none) | ``<package>.<seed>`` |
| ``... .build.test``, ``... .test`` | ``dbt-ol build``, ``dbt-ol test`` (tests) | ``<package>.<model>.test`` |
| ``test.<package>.<test>`` | a singular test, any command | ``<package>.<test>.test`` |

A model's tests read the model's table: they are a process of their own (``.test``), never the
model's process, which would then read what it writes. Package and node names hold no dot (dbt
refuses them), so the last two parts are the node whatever dots the database or schema holds.
``.test`` is only taken off a name that keeps four parts without it (a model may be called
``test``). A shorter name (``<package>.<node>``, as hand-written events have it) only loses its
suffix; the command's parent job (``dbt-run-<project>``) and a name with an empty part are kept as
they are.

dbt-ol's job namespace is ``OPENLINEAGE_NAMESPACE``, ``dbt`` when it is unset (`dbt_job_namespace`).

Example:
    >>> dbt_process_name("warehouse.main.jaffle.customers.build.run")
    'jaffle.customers'
    >>> dbt_process_name("warehouse.main.jaffle.customers.test")
    'jaffle.customers.test'
    >>> dbt_process_name("dbt-run-jaffle")
    'dbt-run-jaffle'
    >>> dbt_job_namespace({}), dbt_job_namespace({"OPENLINEAGE_NAMESPACE": "dbt-prod"})
    ('dbt', 'dbt-prod')
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DBT_JOB_NAMESPACE", "DBT_JOB_NAMESPACE_VARIABLE", "dbt_job_namespace", "dbt_process_name"]

DBT_JOB_NAMESPACE = "dbt"
"""dbt-ol's job namespace when `OPENLINEAGE_NAMESPACE` is unset."""
DBT_JOB_NAMESPACE_VARIABLE = "OPENLINEAGE_NAMESPACE"

_BUILD_KINDS = {"run": False, "snapshot": False, "seed": False, "test": True}  # kind -> a test?
_NODE_PARTS = 4  # database, schema, package, node


def dbt_process_name(job_name: str) -> str:
    """The process name of the dbt node a dbt-ol job name stands for (see the module table).

    Args:
        job_name: The job name of an event dbt-ol sent.

    Returns:
        ``<package>.<node>`` (``.test`` added for tests), or `job_name` unchanged when it is not
        a node's job name.

    Example:
        >>> dbt_process_name("warehouse.snapshots.jaffle.orders_snapshot.build.snapshot")
        'jaffle.orders_snapshot'
        >>> dbt_process_name("test.jaffle.assert_positive_amounts")
        'jaffle.assert_positive_amounts.test'
    """
    parts = job_name.split(".")
    if len(parts) == 3 and parts[0] == "test" and all(p.strip() for p in parts[1:]):
        return f"{parts[1]}.{parts[2]}.test"
    test = False
    if len(parts) >= 4 and parts[-2] == "build" and parts[-1] in _BUILD_KINDS:
        parts, test = parts[:-2], _BUILD_KINDS[parts[-1]]
    elif len(parts) > _NODE_PARTS and parts[-1] == "test":
        parts, test = parts[:-1], True
    if not all(p.strip() for p in parts):
        return job_name
    node = parts[-2:] if len(parts) >= _NODE_PARTS else parts
    return ".".join([*node, *(["test"] if test else [])])


def dbt_job_namespace(environ: Mapping[str, str]) -> str:
    """The job namespace dbt-ol uses in the environment `environ`: `OPENLINEAGE_NAMESPACE` (blank
    counts as unset), else ``dbt``.

    Example:
        >>> dbt_job_namespace({"OPENLINEAGE_NAMESPACE": "  "})
        'dbt'
    """
    return environ.get(DBT_JOB_NAMESPACE_VARIABLE, "").strip() or DBT_JOB_NAMESPACE
