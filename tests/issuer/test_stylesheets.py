"""Every stylesheet the pages load parses cleanly (tinycss2, WeasyPrint's own CSS parser): an
unclosed block swallows every rule after it, which no page test notices until the broken rules
are the ones it looks at. The bad twin: a block left open is reported."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinycss2

ROOT = Path(__file__).resolve().parents[2]
SHEETS = sorted([*(ROOT / "issuer" / "templates").rglob("*.css"), *(ROOT / "verifier" / "templates").rglob("*.css")])


def problems(css: str) -> list[str]:
    found: list[str] = []

    def walk(nodes: list) -> None:
        for node in nodes:
            if node.type == "error":
                found.append(f"{node.source_line}:{node.source_column}: {node.message}")
            content = getattr(node, "content", None)
            if node.type in ("qualified-rule", "at-rule") and content is not None:
                walk(tinycss2.parse_blocks_contents(content))
    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    # tinycss2 closes a block left open at the end of the file without a word: count the braces
    # of the code (comments and strings dropped) instead
    code = re.sub(r'/\*.*?\*/|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', "", css, flags=re.S)
    open_braces = code.count("{") - code.count("}")
    if open_braces:
        found.append(f"{open_braces} block(s) left open")
    return found


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_stylesheet_parses(sheet: Path):
    assert problems(sheet.read_text(encoding="utf-8")) == []


def test_an_unclosed_block_is_reported():
    assert problems(".a { color: red; }\n@media (max-width: 40rem) {\n  .b { color: blue; }\n.c { x: y; }") != []
    assert problems(".a { color: red; }") == []
