"""The layering is a checked contract: ``[tool.importlinter]`` in pyproject.toml.

The real import graph keeps every contract, and each contract breaks when one import
it forbids is added to that graph: the check can fail.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import grimp
from importlinter import configuration
from importlinter.adapters.building import GraphBuilder
from importlinter.application.app_config import settings
from importlinter.application.use_cases import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
CONTRACTS = ("layers", "no-cycles", "private-modules", "rules-read-operations")


class _GraphWith(GraphBuilder):
    """The project's import graph plus the given extra imports."""

    def __init__(self, extra: tuple[tuple[str, str], ...]):
        self.extra = extra

    def build(self, *args, **kwargs):
        graph = super().build(*args, **kwargs)
        for importer, imported in self.extra:
            graph.add_import(importer=importer, imported=imported)
        return graph


def _kept(contracts: tuple[str, ...], *extra: tuple[str, str]) -> bool:
    """Whether ``contracts`` hold on the import graph with the ``extra`` imports added."""
    configuration.configure()
    settings.configure(GRAPH_BUILDER=_GraphWith(extra))
    try:
        return lint_imports(str(PYPROJECT), limit_to_contracts=contracts, cache_dir=None, no_logo=True,
                            is_debug_mode=True)
    finally:
        configuration.configure()


def test_the_code_keeps_every_contract():
    assert _kept(CONTRACTS)


@pytest.mark.parametrize("importer,imported,contract", [
    ("migration_guard.parse.python", "migration_guard.config", "layers"),  # the parser is handed its settings
    ("migration_guard.render.text", "migration_guard.rules", "layers"),  # renderers know no rule
    ("migration_guard.model", "migration_guard.engine", "layers"),
    ("migration_guard.engine", "migration_guard.github.action", "layers"),
    ("migration_guard.bypass", "migration_guard.discover", "layers"),  # one layer, independent
    ("migration_guard.rules._graph", "migration_guard.rules.multiple_heads", "no-cycles"),
    ("migration_guard.parse.plpgsql", "migration_guard.parse.sql", "no-cycles"),  # the circle op-vocabulary removed
    ("migration_guard.github.review", "migration_guard.render._common", "private-modules"),
    ("migration_guard.rules.drop_table", "pglast", "rules-read-operations"),
    ("migration_guard.rules.truncate", "sqlparse", "rules-read-operations"),
])
def test_each_contract_breaks_on_the_import_it_forbids(importer, imported, contract):
    assert _kept((contract,))
    assert not _kept((contract,), (importer, imported))


def _rule_modules(graph) -> set[str]:
    return {m for m in graph.find_children("migration_guard.rules") if not m.rsplit(".", 1)[1].startswith("_")
            and m != "migration_guard.rules.meta"}


def test_no_rule_imports_another_rule():
    graph = grimp.build_graph("migration_guard", cache_dir=None)
    rules = _rule_modules(graph)
    assert len(rules) > 20
    crossing = {(m, other) for m in rules for other in graph.find_modules_directly_imported_by(m) & rules}
    assert crossing == set()
