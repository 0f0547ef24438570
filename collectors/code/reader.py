"""Reading one module: statements in order, the value of each expression, and each call sent to the
row of `tables` it matches (the acts are in `acts`).

Data flow is followed within a function (a variable holds the data of what was assigned to it; a
loop variable that of what it loops over; a list appended to, that of what was appended) and
through functions of the same module: a call to one gives what it returns and completes the
flows its parameters start (`scopes.Pending`). Module-level code is read first; a function is read
when first called, the others after, each with the module's variables as its globals; methods see
what `__init__` put on `self`. Nothing is imported or run.

Limits: expressions nested deeper than `MAX_DEPTH` are not followed further (one warning per
file); closures and nested functions are not followed; a variable's value is the last assigned
on the path read in order (branches are read one after the other, not merged).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from collectors.code.acts import Acts
from collectors.code.facts import Place, Recorder
from collectors.code.scopes import Scope, Summary, definitions, imports_of
from collectors.code.tables import method_write_rows
from collectors.code.values import EMPTY, PARAM, Handle, Value, join

MAX_DEPTH = 120
MAX_SPECIALISED = 8
_MUTATORS = frozenset({"append", "extend", "add", "update", "insert", "appendleft", "setdefault", "write"})
_WRITES = method_write_rows()
_PATHS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "os.path.join", "os.path.abspath",
                    "os.path.expanduser", "os.fspath", "str"})


class Reader(Acts):
    def __init__(self, tree: ast.Module, rec: Recorder, place: Callable[[int | None], Place],
                 module: str, warn: Callable[[str, int | None], None]) -> None:
        self.rec = rec
        self.module = module
        self._place = place
        self.warn = warn
        self.imports = imports_of(tree)
        self.functions, self.owners = definitions(tree)
        self.summaries: dict[tuple[str, tuple[tuple[int, str | None, Handle | None], ...]], Summary | None] = {}
        self.specialised: dict[str, int] = {}
        self.globals: dict[str, Value] = {}
        self.class_envs: dict[str, dict[str, Value]] = {}
        self.defaults: list[Handle] = []
        self.deep_warned = False
        self.tree = tree

    # --- driving ---
    def read(self) -> None:
        top = Scope(self.module, self.globals)
        self.block(self.tree.body, top, 0)
        for cls in sorted(set(self.owners.values())):
            init = f"{cls}.__init__"
            if init in self.functions:
                self.summary(init)
        for key in list(self.functions):
            self.summary(key)

    def place(self, node: ast.AST | None) -> Place:
        return self._place(getattr(node, "lineno", None))

    def summary(self, key: str, known: tuple[tuple[int, str | None, Handle | None], ...] = ()) -> Summary:
        """What calling `key` gives; `known` are the literal or object arguments of one call, for
        which the function is read again (a few times at most) so that `open(path)` names its file."""
        slot = (key, known)
        done = self.summaries.get(slot, False)
        if isinstance(done, Summary):
            return done
        if done is None:  # recursion: what it gives is not known yet
            return Summary(EMPTY, ())
        if known and self.specialised.get(key, 0) >= MAX_SPECIALISED:
            return self.summary(key)
        if known:
            self.specialised[key] = self.specialised.get(key, 0) + 1
        self.summaries[slot] = None
        fn = self.functions[key]
        owner = self.owners.get(key)
        env: dict[str, Value] = dict(self.class_envs.get(owner, {})) if owner else {}
        names = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
        given = {i: (const, handle) for i, const, handle in known}
        positional = [*fn.args.posonlyargs, *fn.args.args]
        defaults = dict(zip(range(len(positional) - len(fn.args.defaults), len(positional)), fn.args.defaults,
                            strict=False))
        for i, name in enumerate(names):
            default = defaults.get(i)
            const, handle = given.get(i, (default.value if isinstance(default, ast.Constant) and isinstance(
                default.value, str) else None, None))
            env[name] = Value(taint=frozenset({f"{PARAM}{i}"}), const=const, handle=handle)
        for a in fn.args.kwonlyargs:
            env[a.arg] = EMPTY
        scope = Scope(f"{self.module}.{key}", env, owner)
        self.block(fn.body, scope, 0)
        if owner:
            shared = self.class_envs.setdefault(owner, {})
            shared.update({k: v for k, v in env.items() if k.startswith("self.")})
        result = Summary(join(scope.returns), tuple(scope.pending))
        if len(scope.returns) == 1:
            result.value = scope.returns[0]
        self.summaries[slot] = result
        return result

    def apply(self, key: str, args: Sequence[Value], kwargs: dict[str, Value], sc: Scope, node: ast.AST) -> Value:
        """The value of calling a function of this module, its parameters' flows completed."""
        fn = self.functions[key]
        names = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
        bound: dict[int, Value] = {i: v for i, v in enumerate(args) if i < len(names)}
        for name, v in kwargs.items():
            if name in names:
                bound[names.index(name)] = v
        known = tuple((i, v.const, v.handle) for i, v in sorted(bound.items()))
        if all(c is None and h is None for _, c, h in known):
            known = ()
        summary = self.summary(key, known)
        for p in summary.pending:
            arg = bound.get(p.param)
            if arg is None:
                continue
            place = Place(p.source, p.line)
            if p.kind == "read":
                self.flow_in(sc, arg, p.node, place, p.confidence * 0.9)
            else:
                self.flow_out(sc, arg, p.node, place, p.confidence * 0.9)
        ret = summary.value
        taint = {t for t in ret.taint if not t.startswith(PARAM)}
        for t in ret.taint:
            if t.startswith(PARAM) and (given := bound.get(int(t[len(PARAM):]))) is not None:
                taint |= given.taint
        return Value(frozenset(taint), ret.handle, ret.const, ret.url)

    # --- statements ---
    def block(self, body: Sequence[ast.stmt], sc: Scope, depth: int) -> None:
        for stmt in body:
            self.statement(stmt, sc, depth)

    def statement(self, stmt: ast.stmt, sc: Scope, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.too_deep(stmt)
            return
        d = depth + 1
        if isinstance(stmt, ast.Assign):
            value = self.ev(stmt.value, sc, d)
            for target in stmt.targets:
                self.bind(target, value, sc)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.bind(stmt.target, self.ev(stmt.value, sc, d), sc)
        elif isinstance(stmt, ast.AugAssign):
            self.bind(stmt.target, join([self.ev(stmt.target, sc, d), self.ev(stmt.value, sc, d)]), sc)
        elif isinstance(stmt, ast.Expr):
            self.ev(stmt.value, sc, d)
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            sc.returns.append(self.ev(stmt.value, sc, d))
        elif isinstance(stmt, ast.If | ast.While):
            self.ev(stmt.test, sc, d)
            self.block(stmt.body, sc, d)
            self.block(stmt.orelse, sc, d)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            self.bind(stmt.target, self.ev(stmt.iter, sc, d), sc)
            self.block(stmt.body, sc, d)
            self.block(stmt.orelse, sc, d)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                value = self.ev(item.context_expr, sc, d)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, sc)
            self.block(stmt.body, sc, d)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            self.block(stmt.body, sc, d)
            for handler in stmt.handlers:
                self.block(handler.body, sc, d)
            self.block(stmt.orelse, sc, d)
            self.block(stmt.finalbody, sc, d)
        elif isinstance(stmt, ast.Match):
            self.ev(stmt.subject, sc, d)
            for case in stmt.cases:
                self.block(case.body, sc, d)

    def bind(self, target: ast.expr, value: Value, sc: Scope) -> None:
        if isinstance(target, ast.Name):
            sc.env[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = value.items if len(value.items) == len(target.elts) else ()
            for i, elt in enumerate(target.elts):
                self.bind(elt.value if isinstance(elt, ast.Starred) else elt, items[i] if items else value, sc)
        elif isinstance(target, ast.Attribute):
            path = _dotted(target)
            if path and path.startswith("self."):
                sc.env[path] = value
                if sc.owner:
                    self.class_envs.setdefault(sc.owner, {})[path] = value
            elif value.handle is not None and value.handle.processors:
                self.defaults.append(value.handle)  # `Settings.llm = OpenAI(...)`: a framework's default
            elif path:
                sc.env[path] = value
        elif isinstance(target, ast.Subscript):
            base = _dotted(target.value)
            if base:
                old = self.lookup(base, sc)
                if old.handle is not None and old.handle.kind in ("redis", "diskcache", "store"):
                    self.handle_method(old, ["__setitem__"], [self.ev(target.slice, sc, 1), value], {}, value,
                                       target, sc)
                else:
                    sc.env[base] = join([old, value])

    def lookup(self, name: str, sc: Scope) -> Value:
        if name in sc.env:
            return sc.env[name]
        return self.globals.get(name, EMPTY)

    def known(self, name: str, sc: Scope) -> bool:
        return name in sc.env or name in self.globals

    # --- expressions ---
    def too_deep(self, node: ast.AST) -> None:
        if not self.deep_warned:
            self.deep_warned = True
            self.warn(f"code nested deeper than {MAX_DEPTH} levels is not followed further",
                      getattr(node, "lineno", None))

    def ev(self, node: ast.expr | None, sc: Scope, depth: int) -> Value:
        if node is None:
            return EMPTY
        if depth > MAX_DEPTH:
            self.too_deep(node)
            return EMPTY
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return Value(const=node.value)
            return Value(const=str(node.value)) if type(node.value) is int else EMPTY
        if isinstance(node, ast.Name):
            return self.lookup(node.id, sc)
        if isinstance(node, ast.Attribute):
            path = _dotted(node)
            if path and self.known(path, sc):
                return self.lookup(path, sc)
            return self.ev(node.value, sc, d)
        if isinstance(node, ast.Call):
            return self.call(node, sc, d)
        if isinstance(node, ast.JoinedStr):
            parts = [self.ev(v, sc, d) for v in node.values]
            text = "".join(p.const if p.const is not None else "*" for p in parts)
            out = join(parts)
            return Value(out.taint, None, text if text.strip("*") else None, out.url)
        if isinstance(node, ast.FormattedValue):
            return self.ev(node.value, sc, d)
        if isinstance(node, ast.BinOp):
            left, right = self.ev(node.left, sc, d), self.ev(node.right, sc, d)
            out = join([left, right])
            if isinstance(node.op, ast.Add) and (left.const is not None or right.const is not None):
                text = (left.const if left.const is not None else "*") + (
                    right.const if right.const is not None else "*")
                return Value(out.taint, out.handle, text, out.url)
            if isinstance(node.op, ast.Div) and left.const is not None and right.const is not None:
                return Value(out.taint, out.handle, f"{left.const.rstrip('/')}/{right.const}", out.url)
            return out
        if isinstance(node, ast.Dict):
            return self.container([*(k for k in node.keys if k is not None), *node.values], sc, d)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return self.container(node.elts, sc, d)
        if isinstance(node, ast.BoolOp):
            options = [self.ev(v, sc, d) for v in node.values]
            out = join(options)
            return Value(out.taint, out.handle, None, out.url, choices=tuple(c for o in options for c in o.literals))
        if isinstance(node, ast.IfExp):
            options = [self.ev(node.body, sc, d), self.ev(node.orelse, sc, d)]
            out = join(options)
            return Value(out.taint, out.handle, None, out.url, choices=tuple(c for o in options for c in o.literals))
        if isinstance(node, ast.Compare):
            return join([self.ev(node.left, sc, d), *(self.ev(c, sc, d) for c in node.comparators)])
        if isinstance(node, ast.Subscript):
            base = self.ev(node.value, sc, d)
            return Value(base.taint, base.handle if base.handle and base.handle.kind != "synthetic" else None,
                         None, base.url)
        if isinstance(node, ast.Await | ast.Starred | ast.UnaryOp):
            return self.ev(node.operand if isinstance(node, ast.UnaryOp) else node.value, sc, d)
        if isinstance(node, ast.NamedExpr):
            value = self.ev(node.value, sc, d)
            self.bind(node.target, value, sc)
            return value
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            for gen in node.generators:
                self.bind(gen.target, self.ev(gen.iter, sc, d), sc)
            if isinstance(node, ast.DictComp):
                return join([self.ev(node.key, sc, d), self.ev(node.value, sc, d)])
            return self.ev(node.elt, sc, d)
        return EMPTY

    def container(self, elts: Sequence[ast.expr], sc: Scope, depth: int) -> Value:
        values = [self.ev(e, sc, depth) for e in elts]
        out = join(values)
        return Value(out.taint, out.handle, None, out.url, tuple(values))

    # --- calls ---
    def call(self, node: ast.Call, sc: Scope, depth: int) -> Value:
        args = [self.ev(a, sc, depth) for a in node.args]
        kwargs: dict[str, Value] = {}
        spread: list[Value] = []
        for kw in node.keywords:
            value = self.ev(kw.value, sc, depth)
            if kw.arg is None:
                spread.append(value)
            else:
                kwargs[kw.arg] = value
        everything = join([*args, *kwargs.values(), *spread])
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.functions and not self.known(func.id, sc):
            return self.apply(func.id, args, kwargs, sc, node)
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"
                and sc.owner and f"{sc.owner}.{func.attr}" in self.functions):
            return self.apply(f"{sc.owner}.{func.attr}", [EMPTY, *args], kwargs, sc, node)
        base, path = self.split(func, sc, depth)
        if base is not None and base.handle is not None:
            out = self.handle_method(base, path, args, kwargs, everything, node, sc)
            if out is not None:
                if out.taint and base.handle.kind == "sql" and isinstance(func, ast.Attribute) and isinstance(
                        func.value, ast.Name):  # cur.execute(...) then cur.fetchall(): the cursor holds the rows
                    sc.env[func.value.id] = Value(base.taint | out.taint, base.handle)
                return out
        qualified = self.qualify(func, sc) if base is None else None
        if qualified in _PATHS and args and all(a.const is not None for a in args):
            return Value(everything.taint, None, "/".join(str(a.const).rstrip("/") for a in args), everything.url)
        if qualified:
            found = self.by_name(qualified, args, kwargs, everything, node, sc, None)
            if found is not None:
                return found
        if isinstance(func, ast.Attribute):
            receiver = base if base is not None and not path[:-1] else self.ev(func.value, sc, depth)
            row = _WRITES.get(func.attr)
            if row is not None:
                return self.act(row, func.attr, args, kwargs, everything, node, sc, receiver)
            if func.attr in _MUTATORS and isinstance(func.value, ast.Name) and receiver.handle is None:
                sc.env[func.value.id] = join([receiver, everything])
                return EMPTY
            out = join([receiver, everything])
            return Value(out.taint, receiver.handle or out.handle, None, out.url)
        if qualified in ("dspy.configure", "dspy.settings.configure"):  # the default LM of every DSPy module
            self.defaults.extend(v.handle for v in kwargs.values() if v.handle is not None and v.handle.processors)
        if qualified and qualified.startswith(("llama_index", "dspy")) and self.defaults:
            for h in self.defaults:
                everything = join([everything, Value(handle=h)])
        return everything

    def split(self, func: ast.expr, sc: Scope, depth: int) -> tuple[Value | None, list[str]]:
        """The object a method is called on (a variable of this code, or what a call returns) and
        the attribute path after it; (None, []) when the callee is a plain or imported name."""
        path: list[str] = []
        node = func
        while isinstance(node, ast.Attribute):
            path.insert(0, node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            if node.id == "self" and path:
                for cut in range(len(path), 0, -1):
                    name = "self." + ".".join(path[:cut])
                    if self.known(name, sc):
                        return self.lookup(name, sc), path[cut:]
                return None, []
            if self.known(node.id, sc):
                return self.lookup(node.id, sc), path
            return None, []
        if isinstance(node, ast.Call | ast.Subscript | ast.Await):
            return self.ev(node, sc, depth), path
        return None, []

    def qualify(self, func: ast.expr, sc: Scope) -> str | None:
        path = _dotted(func)
        if path is None:
            return None
        head, _, rest = path.partition(".")
        if head in self.imports:
            return f"{self.imports[head]}.{rest}" if rest else self.imports[head]
        return path if head in ("open",) or not rest else None


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *parts])
    return None

