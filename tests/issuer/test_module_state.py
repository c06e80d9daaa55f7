"""No ``issuer/`` module keeps mutable state of its own at module level (issue 11).

Everything a use case may read besides its arguments lives in the ``IssuerContext`` built once per
app or CLI command, so two apps in one process never share a cache, a clock or a lock by accident.
An AST walk over ``issuer/`` finds, in every module:

- a ``global`` statement (rebinding module state from a function);
- a module-level cache decorator (``functools.cache``, ``lru_cache``, ``cachetools.cached``): a
  process-wide memo outlives the app that filled it;
- a module-level object of a mutable kind made by a call (``dict()``, ``LRUCache(...)``,
  ``threading.local()``, ``ExitStack()``, locks, queues, context variables);
- a module-level container literal (list, dict, set) that any code in ``issuer/`` mutates in place
  (``NAME.append``, ``NAME[k] = v``, ``NAME.update`` …). Literal tables that nothing changes (a
  route list, a status map) are constants and stay readable as literals.

The few places that hold process state on purpose are listed in ``ALLOWED`` with the reason; the
test also fails when an entry there no longer matches anything, so the list can only shrink.
Its bad twin: ``test_the_walk_finds_each_kind`` feeds the walk one module with every kind.
"""
from __future__ import annotations

import ast
from pathlib import Path

ISSUER = Path(__file__).resolve().parents[2] / "issuer"

MUTABLE_FACTORIES = frozenset({
    "list", "dict", "set", "bytearray", "defaultdict", "OrderedDict", "deque", "Counter", "ChainMap",
    "LRUCache", "TTLCache", "LFUCache", "Cache", "ExitStack", "AsyncExitStack", "WeakValueDictionary",
    "WeakKeyDictionary", "WeakSet", "local", "Lock", "RLock", "Condition", "Event", "Semaphore",
    "BoundedSemaphore", "Queue", "SimpleQueue", "ContextVar",
})
CACHE_DECORATORS = frozenset({"cache", "lru_cache", "cached", "cachedmethod"})
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault", "add",
    "discard", "sort", "reverse", "__setitem__", "__delitem__",
})

# (module path relative to issuer/, name) → why this state is the process's and not an app's.
ALLOWED: dict[tuple[str, str], str] = {
    ("db/engine.py", "_SQLITE_LOCKS"):
        "the writer lock of a SQLite file: the file is shared by every engine in the process, so its lock is too",
    ("transcripts/clr.py", "_WORKER"):
        "the PDF worker process's own state, set by the pool initializer in that child process only",
    ("render/templating.py", "environment"):
        "the shared Jinja environment: templates, filters and translations, the same for every app and never "
        "changed after it is built (each app renders through its own overlay, render.templating.app_environment)",
    ("render/templating.py", "_EXTRACTED"):
        "package data extracted from a zipped install, kept on disk for the process's life: the same files for "
        "every app",
    ("render/pdf.py", "_FONTS"):
        "WeasyPrint's FontConfiguration per thread: fontconfig state holding only the bundled fonts, the same "
        "for every app, and not documented as safe to share between threads",
}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _module_level_containers(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(
                node.value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names - {"__all__"}


def _mutated(tree: ast.Module, names: set[str]) -> set[str]:
    """Which of ``names`` the module changes in place (anywhere, functions included)."""
    hit: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in names \
                and node.func.attr in MUTATING_METHODS:
            hit.add(node.func.value.id)
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id in names:
                hit.add(target.value.id)
            if isinstance(node, ast.AugAssign) and isinstance(target, ast.Name) and target.id in names:
                hit.add(target.id)
    return hit


def findings(source: str) -> list[tuple[int, str, str]]:
    """(line, name, what) for each piece of mutable module state in ``source``."""
    tree = ast.parse(source)
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.extend((node.lineno, name, "global statement") for name in node.names)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.extend((node.lineno, node.name, "module-level cache")
                         for d in node.decorator_list if _name(d) in CACHE_DECORATORS)
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call) \
                and _name(node.value) in MUTABLE_FACTORIES:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.extend((node.lineno, t.id, f"{_name(node.value)}() at module level")
                         for t in targets if isinstance(t, ast.Name))
    containers = _module_level_containers(tree)
    for name in sorted(_mutated(tree, containers)):
        found.append((0, name, "module-level container changed in place"))
    return found


def _issuer_modules() -> list[Path]:
    return sorted(p for p in ISSUER.rglob("*.py") if "piccolo_migrations" not in p.parts)


def test_no_issuer_module_keeps_mutable_state() -> None:
    seen: set[tuple[str, str]] = set()
    problems = []
    for path in _issuer_modules():
        rel = path.relative_to(ISSUER).as_posix()
        for line, name, what in findings(path.read_text(encoding="utf-8")):
            if (rel, name) in ALLOWED:
                seen.add((rel, name))
                continue
            problems.append(f"issuer/{rel}:{line}: {name}: {what}")
    assert not problems, "mutable module state (put it in the IssuerContext):\n" + "\n".join(problems)
    assert seen == set(ALLOWED), f"ALLOWED entries that match nothing any more: {sorted(set(ALLOWED) - seen)}"


def test_the_walk_finds_each_kind() -> None:
    bad = '''
import functools, threading
from cachetools import LRUCache
_current = None
_CACHE = {}
ROUTES = ["a"]
SIGNERS = LRUCache(8)
_LOCAL = threading.local()

def use(ctx):
    global _current
    _current = ctx

@functools.lru_cache(maxsize=8)
def memo(x):
    return x

def remember(k, v):
    _CACHE[k] = v
'''
    kinds = {(name, what) for _, name, what in findings(bad)}
    assert kinds == {
        ("_current", "global statement"),
        ("memo", "module-level cache"),
        ("SIGNERS", "LRUCache() at module level"),
        ("_LOCAL", "local() at module level"),
        ("_CACHE", "module-level container changed in place"),
    }  # ROUTES is a literal nothing changes: a constant


def test_a_constant_table_is_not_state() -> None:
    good = '''
STATUS = {"revoke": "revoked"}
ROUTES = [1, 2]

def lookup(k):
    return STATUS.get(k), [*ROUTES]
'''
    assert findings(good) == []
