"""The test tree's layout (issue 11): fixtures live in the ``conftest.py`` of the directory that shares them,
plain helpers in support modules imported by name. An AST walk over ``tests/`` finds any module that

- imports from a test module (``tests/**/test_*.py``) or from a ``conftest``,
- star-imports (``from x import *``), or imports a fixture (a ``@pytest.fixture`` function) from another module,
- silences an import or a redefinition (``noqa: F401``/``F811``) on an import from ``tests``, or a redefinition
  (``noqa: F811``) anywhere: both only ever hid a fixture imported into a module whose tests re-declare it.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SKIP = {"node_modules", "reference", "__pycache__"}
NOQA = re.compile(r"#\s*noqa:[^#]*\b(F401|F811)\b")
NOQA_F811 = re.compile(r"#\s*noqa:[^#]*\bF811\b")


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if not SKIP & set(p.relative_to(root).parts))


def _module_file(root: Path, module: str) -> Path | None:
    """The file of ``tests.a.b`` under ``root`` (the ``tests`` directory), if it is one of ours."""
    parts = module.split(".")
    if parts[0] != root.name:
        return None
    base = root.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _comments(text: str) -> dict[int, str]:
    """The comment on each line (strings that look like comments are not comments)."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return {tok.start[0]: tok.string for tok in tokens if tok.type == tokenize.COMMENT}


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
        isinstance(target, ast.Name) and target.id == "fixture")


def _fixtures(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and any(_is_fixture(d) for d in node.decorator_list)}


def _is_test_or_conftest(path: Path) -> bool:
    return path.name.startswith("test_") or path.name == "conftest.py"


def violations(root: Path) -> list[str]:
    """Every breach of the layout rules in the modules under ``root`` (a ``tests`` directory)."""
    found: list[str] = []
    for path in _python_files(root):
        text = path.read_text(encoding="utf-8")
        comments = _comments(text)
        where = path.relative_to(root.parent).as_posix()
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [(node.module, alias.name) for alias in node.names]
                # ``from tests.web import test_x``: the name itself may be a module
                targets += [(f"{node.module}.{alias.name}", None) for alias in node.names]
            else:
                continue
            at = f"{where}:{node.lineno}"
            if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
                found.append(f"{at}: star import from {node.module}")
            ours = False
            for module, name in targets:
                source = _module_file(root, module)
                if source is None:
                    continue
                ours = True
                if _is_test_or_conftest(source):
                    found.append(f"{at}: imports from {source.relative_to(root.parent).as_posix()}")
                elif name is not None and name in _fixtures(source):
                    found.append(f"{at}: imports the fixture {name} from {module}")
            statement = " ".join(comments.get(n, "") for n in range(node.lineno, (node.end_lineno or node.lineno) + 1))
            if ours and NOQA.search(statement):
                found.append(f"{at}: noqa F401/F811 on an import from the tests")
        for number, comment in sorted(comments.items()):
            if NOQA_F811.search(comment):
                found.append(f"{where}:{number}: noqa F811 (a re-declared fixture)")
    return sorted(set(found))


def test_the_test_tree_follows_the_layout():
    assert violations(TESTS) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "tests"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


FIXTURE = "import pytest\n\n\n@pytest.fixture\ndef people():\n    return {}\n"


def test_good_layout_has_no_violations(tmp_path):
    root = _tree(tmp_path, {
        "conftest.py": FIXTURE + "from tests.support import NOW\n",
        "support.py": "NOW = 1\n\n\ndef bearer():\n    return {}\n",
        "web/support.py": "from tests.support import NOW\n",
        "web/test_a.py": "from tests.support import NOW, bearer\nfrom tests.web import support\n"
                         "from badges.status import status_entry  # noqa: F401  (import check)\n\n\n"
                         "def test_a(people):\n    assert support and NOW and bearer\n",
    })
    assert violations(root) == []


def test_each_bad_import_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "conftest.py": FIXTURE,
        "helpers.py": FIXTURE + "\n\ndef bearer():\n    return {}\n",
        "web/test_a.py": "RUBRIC = {}\n",
        "web/test_b.py": "from tests.web.test_a import RUBRIC\n",
        "web/test_c.py": "from tests.web import test_a\n",
        "web/test_d.py": "import tests.web.test_a\n",
        "web/test_e.py": "from tests.helpers import *\n",
        "web/test_f.py": "from tests.helpers import bearer, people  # noqa: F401\n",
        "web/test_g.py": "from tests.conftest import people\n",
        "web/test_h.py": "def test_h(people):  # noqa: F811\n    pass\n",
    })
    found = "\n".join(violations(root))
    assert "tests/web/test_b.py:1: imports from tests/web/test_a.py" in found
    assert "tests/web/test_c.py:1: imports from tests/web/test_a.py" in found
    assert "tests/web/test_d.py:1: imports from tests/web/test_a.py" in found
    assert "tests/web/test_e.py:1: star import from tests.helpers" in found
    assert "tests/web/test_f.py:1: imports the fixture people from tests.helpers" in found
    assert "tests/web/test_f.py:1: noqa F401/F811 on an import from the tests" in found
    assert "tests/web/test_f.py:1: imports the fixture bearer" not in found  # a plain helper is fine
    assert "tests/web/test_g.py:1: imports from tests/conftest.py" in found
    assert "tests/web/test_h.py:1: noqa F811 (a re-declared fixture)" in found
