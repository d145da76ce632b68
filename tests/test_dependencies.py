"""Every dependency pyproject.toml installs is used: imported by our code, or named here with what uses it."""

from __future__ import annotations

import ast
import re
import tomllib

from tests.factories import REPO

# Distributions whose module has another name than the distribution's.
MODULES = {"pyyaml": "yaml", "email-validator": "email_validator", "psycopg-pool": "psycopg_pool", "odfpy": "odf"}
# Used without an import of ours, each by what is said.
USED_OTHERWISE = {
    "uvloop": "uvicorn runs its event loop on it when installed",
    "httptools": "uvicorn parses HTTP with it (privacy/server_cli.py names it)",
    "psycopg-pool": "the connection pool of the PostgreSQL backend (issue 13), installed with psycopg",
    "httpx2": "Starlette's TestClient is built on it",
    "hugo": "bench/rivals.py runs the binary it ships",
    "pelican": "bench/rivals.py runs it (python -m pelican)",
    "ruff": "make lint runs it",
    "mypy": "make lint runs it",
    "xenon": "make lint runs it",
}


def _requirements() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return [re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() for requirement in listed]


def _imported() -> set[str]:
    modules: set[str] = set()
    for path in REPO.glob("**/*.py"):
        if any(part in {".venv", "node_modules", "public", "var"} or part.startswith(".") for part in path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def test_every_dependency_is_used() -> None:
    imported = _imported()
    unused = [
        name
        for name in _requirements()
        if name not in USED_OTHERWISE
        and not name.startswith("types-")  # type stubs, read by mypy
        and MODULES.get(name, name.replace("-", "_")) not in imported
    ]
    assert unused == [], "drop them from pyproject.toml, or say in USED_OTHERWISE what uses them"
