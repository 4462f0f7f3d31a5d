"""Small pieces where the logic is densest: in the folders named here no function is over 60 lines and no class over
150."""

import ast
from pathlib import Path

import pytest

import echollama

PACKAGE = Path(echollama.__file__).parent
LIMITED = ("language", "server")
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 150


def _too_long(folder: str) -> list[str]:
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({lines} lines)")
    return found


@pytest.mark.parametrize("folder", LIMITED)
def test_no_function_or_class_is_too_long(folder):
    assert _too_long(folder) == []
