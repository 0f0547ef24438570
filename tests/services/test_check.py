"""The findings are kept in the store and reused while the graph, the policy and the rules are the
same; reviews apply to what is kept; anything else works them out again."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lineage.policy.project import PolicyConfig
from lineage.services.check import run_check
from lineage.store import Store, open_store
from tests.conftest import chain_batch
from tests.store.test_current_graph import collect_samples


@pytest.fixture
def samples(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "samples.duckdb")
    collect_samples(store)
    return store


def test_an_unchanged_store_answers_from_the_findings_it_kept(samples: Store, loads: list[int]) -> None:
    first = run_check(samples, PolicyConfig())
    assert first and len(loads) == 1
    assert run_check(samples, PolicyConfig()) == first
    assert len(loads) == 1, "the second check read the kept findings"


def test_a_review_applies_to_the_kept_findings_without_working_them_out(samples: Store, loads: list[int]) -> None:
    first = run_check(samples, PolicyConfig())
    target = next(f for f in first if f.is_open)
    samples.add_review(target.fingerprint, "accepted_risk", "ana", "contract signed")
    again = {f.fingerprint: f for f in run_check(samples, PolicyConfig())}
    assert again[target.fingerprint].status == "accepted_risk"
    assert len(loads) == 1


def test_an_ingest_works_the_findings_out_again_for_what_it_reaches_and_another_policy_for_all(
        samples: Store, loads: list[int]) -> None:
    first = run_check(samples, PolicyConfig())
    samples.ingest(chain_batch("more.yaml", ["x", "y"]))  # x: no declared origin, nothing writes it
    again = run_check(samples, PolicyConfig())
    assert len(loads) == 1, "the new chain reaches none of the nodes before it: only it was read"
    assert {f.fingerprint for f in first} < {f.fingerprint for f in again}
    assert any("dataset:postgres://db:5432:x" in f.nodes + f.path for f in again)
    disabled = run_check(samples, PolicyConfig(disabled=(first[0].rule_id,)))
    assert len(loads) == 2
    assert all(f.rule_id != first[0].rule_id for f in disabled)


def test_kept_findings_that_cannot_be_read_are_worked_out_again(samples: Store, tmp_path: Path,
                                                                 loads: list[int]) -> None:
    first = run_check(samples, PolicyConfig())
    with duckdb.connect(str(tmp_path / "samples.duckdb")) as con:
        con.execute("UPDATE derived_results SET payload = 'not zlib at all'::BLOB")
    assert run_check(samples, PolicyConfig()) == first
    assert len(loads) == 2


def test_findings_about_one_node_are_those_on_its_path(samples: Store) -> None:
    every = run_check(samples, PolicyConfig())
    node = every[0].nodes[0]
    mine = run_check(samples, PolicyConfig(), about=node)
    assert mine == [f for f in every if node in f.nodes or node in f.path]
