"""Graph actions done in place, as changes of the page's URL, and what the app accepts from the
browser as an action."""

from __future__ import annotations

from app.components.graph_actions import in_place
from app.components.graph_component import GraphAction


def test_a_new_focus_drops_the_expansions_and_opened_groups_and_keeps_the_rest_of_the_view() -> None:
    query = {"node": ["a"], "up": ["b"], "down": ["c"], "open": ["group:x:dataset:1"], "depth": ["4"],
             "grants": ["true"]}
    assert in_place(GraphAction("focus", "z"), query) == {"node": ["z"], "depth": ["4"], "grants": ["true"]}


def test_an_expansion_or_an_opened_group_is_added_once() -> None:
    query = {"node": ["a"]}
    for action in (GraphAction("upstream", "b"), GraphAction("upstream", "b"), GraphAction("downstream", "c"),
                   GraphAction("group", "group:x:dataset:1")):
        query = in_place(action, query)
    assert query == {"node": ["a"], "up": ["b"], "down": ["c"], "open": ["group:x:dataset:1"]}


def test_an_action_leaving_the_page_changes_nothing_in_it() -> None:
    assert in_place(GraphAction("page", "b"), {"node": ["a"]}) == {"node": ["a"]}


def test_only_known_actions_on_a_named_node_are_accepted_from_the_browser() -> None:
    assert GraphAction.parse({"kind": "upstream", "node": "dataset:s:<b>"}) == GraphAction("upstream", "dataset:s:<b>")
    for sent in (None, "focus", {"kind": "delete", "node": "a"}, {"kind": "focus", "node": ""},
                 {"kind": "focus", "node": ["a"]}, {"kind": "focus"}):
        assert GraphAction.parse(sent) is None, sent
