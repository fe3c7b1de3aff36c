"""The metric docs cite the tests that pin each worked example; a test that
is renamed or moved must take its citation with it, or the docs point at
nothing."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def _defined_names(path):
    tree = ast.parse(path.read_text())
    return {
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_every_test_the_metric_docs_cite_exists():
    text = (ROOT / "docs" / "metrics.md").read_text()
    citations = CITATION.findall(text)
    assert citations, "docs/metrics.md cites no tests"
    missing = [
        f"{path}::{name}"
        for path, name in citations
        if not (ROOT / path).exists() or name not in _defined_names(ROOT / path)
    ]
    assert missing == []
