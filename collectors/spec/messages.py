"""How the spec collector words a problem: a validation error as a message that says how to fix
it (with a "did you mean" for a misspelt name), and the place of a problem as a field path.

Example:
    >>> field_path(("datasets", 0, "columns", 2, "name"))
    'datasets[0].columns[2].name'
    >>> suggest("procesess", ["datasets", "processes"])
    " (did you mean 'processes'?)"
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, get_args

from pydantic import BaseModel

from collectors.spec.format import PATTERN_HELP, PipelineSpec


def suggest(word: str, candidates: Sequence[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def field_path(loc: Sequence[object]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def error_message(error: Any, loc: tuple[str | int, ...]) -> str:
    kind, message = error["type"], str(error["msg"])
    if kind == "extra_forbidden" and loc:
        return f"unknown field {loc[-1]!r}{suggest(str(loc[-1]), _fields_at(loc[:-1]))}"
    if kind == "missing" and loc:
        return f"{loc[-1]} is required"
    if kind == "string_pattern_mismatch":
        message = PATTERN_HELP.get(str(error.get("ctx", {}).get("pattern")), message)
    message = message.removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float | bool) or value is None:
        shown = repr(value)
        message += f", got {shown if len(shown) <= 80 else shown[:77] + '...'}"
    return message


def _fields_at(loc: tuple[str | int, ...]) -> list[str]:
    """The field names allowed at `loc`, walking the spec models."""
    model: type[BaseModel] = PipelineSpec
    for part in loc:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        sub = None if field is None else _model_in(field.annotation)
        if sub is None:
            return []
        model = sub
    return [f.alias or n for n, f in model.model_fields.items()]


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
