"""A safe YAML loader for every YAML input of the project: specs, project files, configs.

`load_yaml` composes the document with `yaml.SafeLoader` (never an unsafe loader), checks the
composed node graph, then constructs plain Python data. It refuses, with `FILE:LINE: what is
wrong`:

- input over `max_bytes`, binary input (NUL or control bytes) and invalid UTF-8;
- more than one document, nesting deeper than `MAX_DEPTH`;
- YAML bombs: the size of the document with every alias expanded is computed over the composed
  graph with memoisation (linear in the distinct nodes) and refused beyond `max_nodes`, as are
  aliases that contain themselves;
- keys that are not strings (`1:`, `null:`, `[a, b]:`) and duplicate keys (naming both lines);
- tags other than the JSON-like core ones (`!!python/object`, `!!binary`, `!Ref`, ...).

Scalars follow the YAML 1.2 core schema rather than YAML 1.1: `yes`, `no`, `on`, `off`, `NO`
stay strings (the "Norway problem"), `2024-01-01` stays a string, `1:30` is not a number and
`012` is not octal. Merge keys (`<<: *defaults`) are supported.

Alongside the data, a `Locator` maps a path of keys and indexes to the 1-based line it came from.

Example:
    >>> data, where = load_yaml("a:\\n  - x\\n  - {b: no}\\n", "f.yaml")
    >>> data, where.line(("a", 1, "b"))
    ({'a': ['x', {'b': 'no'}]}, 3)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lineage.errors import ConfigError

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_NODES = 1_000_000
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_STR, _MERGE = _TAG + "str", _TAG + "merge"
_ALLOWED_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))


class YamlError(ConfigError):
    """A YAML input that cannot be loaded; `str(error)` is `SOURCE:LINE: reason`."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}:{line}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and a nesting limit."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.source = source
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                line = _line(_peek(self).start_mark)
                raise YamlError(self.source, line, f"nesting is deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_REPLACED = {_TAG + t for t in ("bool", "int", "float", "timestamp", "value")}
_Loader.yaml_implicit_resolvers = {
    first: kept
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    if (kept := [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED])
}
_Loader.add_implicit_resolver(
    _TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    _TAG + "int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    _TAG + "float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class Locator:
    """Maps a path of keys and indexes (`("datasets", 3, "role")`) to a 1-based line.

    A path through a mapping key gives the line of the key; through a sequence index, the line
    where the item starts. A path that does not exist gives the line of its nearest ancestor.
    """

    def __init__(self, source: str, root: Node | None) -> None:
        self.source = source
        self._root = root
        self._maps: dict[int, dict[str, tuple[Node, Node]]] = {}

    def line(self, path: Sequence[object]) -> int:
        """The line of `path`, or of its nearest ancestor that exists."""
        node = self._root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in path:
            if isinstance(node, MappingNode) and isinstance(part, str):
                pair = self._pairs(node).get(part)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line + 1, pair[1]
            elif (isinstance(node, SequenceNode) and isinstance(part, int) and not isinstance(part, bool)
                  and 0 <= part < len(node.value)):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def _pairs(self, node: MappingNode) -> dict[str, tuple[Node, Node]]:
        pairs = self._maps.get(id(node))
        if pairs is None:
            # after construction, merged pairs come first and explicit keys override them
            pairs = {str(k.value): (k, v) for k, v in node.value if isinstance(k, ScalarNode)}
            self._maps[id(node)] = pairs
        return pairs


def load_yaml(
    text: str | bytes,
    source: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> tuple[object, Locator]:
    """Load one YAML document safely.

    Args:
        text: the document, as bytes (must be UTF-8) or text.
        source: the name shown in errors (usually the file path).
        max_bytes: the largest input accepted, in bytes.
        max_nodes: the most nodes the document may hold once every alias is expanded.

    Returns:
        The plain data (dicts with string keys, lists, str, int, float, bool, None; None for an
        empty document) and a `Locator` for its lines.

    Raises:
        YamlError: (a `ConfigError`) the input is not one safe YAML document.

    Example:
        >>> load_yaml(b"a: &x [1, 2]\\nb: *x\\n", "f.yaml")[0]
        {'a': [1, 2], 'b': [1, 2]}
    """
    decoded = _decode(text, source, max_bytes)
    try:
        loader = _Loader(decoded, source)
    except yaml.reader.ReaderError as exc:
        line = decoded.count("\n", 0, exc.position) + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise YamlError(source, line, f"control character {what}: binary data, not YAML text") from None
    try:
        root = _compose(loader, source)
        if root is None:
            return None, Locator(source, None)
        _check(root, source, max_nodes)
        data: object = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        raise _marked(exc, source) from None
    finally:
        loader.dispose()
    return data, Locator(source, root)


def _decode(text: str | bytes, source: str, max_bytes: int) -> str:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise YamlError(source, 1, f"the input is {size} bytes, over the limit of {max_bytes} bytes")
    if isinstance(text, bytes):
        nul = text.find(b"\x00")
        if nul >= 0:
            raise YamlError(source, text.count(b"\n", 0, nul) + 1, "binary data (a NUL byte), not YAML text")
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = text.count(b"\n", 0, exc.start) + 1
            raise YamlError(source, line, f"not valid UTF-8 (byte 0x{text[exc.start]:02x})") from None
    nul = text.find("\x00")
    if nul >= 0:
        raise YamlError(source, text.count("\n", 0, nul) + 1, "binary data (a NUL character), not YAML text")
    return text


def _compose(loader: _Loader, source: str) -> Node | None:
    _peek(loader, consume=True)  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    root = loader.compose_document()
    if not loader.check_event(yaml.StreamEndEvent):
        line = _line(_peek(loader).start_mark)
        raise YamlError(source, line, "a second YAML document starts here; one document per file")
    return root


def _marked(exc: yaml.MarkedYAMLError, source: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    reason = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        where = f" at line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
        reason = f"{exc.problem} ({exc.context}{where})"
    return YamlError(source, line, f"invalid YAML: {reason}")


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _check(root: Node, source: str, max_nodes: int) -> None:
    """Check tags and keys of every distinct node, and the expanded size, in one DFS."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            open_.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > max_nodes:
                raise YamlError(
                    source, node.start_mark.line + 1,
                    f"the document expands to more than {max_nodes} nodes through aliases "
                    "(a YAML bomb?)",
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_:
            raise YamlError(source, node.start_mark.line + 1, "an alias refers to a node that contains it")
        _check_node(node, source)
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _check_node(node: Node, source: str) -> None:
    if node.tag not in _ALLOWED_TAGS and not (node.tag == _MERGE and isinstance(node, ScalarNode)):
        raise YamlError(source, node.start_mark.line + 1, f"the tag {_short(node.tag)} is not supported")
    if not isinstance(node, MappingNode):
        return
    seen: dict[str, int] = {}
    for key, _value in node.value:
        line = key.start_mark.line + 1
        if not isinstance(key, ScalarNode):
            raise YamlError(source, line, f"a {key.id} is used as a key; keys must be strings")
        if key.tag not in (_STR, _MERGE):
            raise YamlError(
                source, line, f"the key {key.value!r} is read as {_short(key.tag)}, not a string; quote it"
            )
        name = str(key.value)
        if name in seen:
            raise YamlError(source, line, f"duplicate key {name!r} (first at line {seen[name]})")
        seen[name] = line


def _peek(loader: _Loader, *, consume: bool = False) -> yaml.Event:
    # the stubs leave these untyped
    event: yaml.Event = loader.get_event() if consume else loader.peek_event()  # type: ignore[no-untyped-call]
    return event


def _line(mark: object) -> int:
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else 1


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_NODES", "MAX_DEPTH", "Locator", "YamlError", "load_yaml"]
