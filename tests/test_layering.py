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
    ("validator.parse.python", "validator.config", "layers"),  # the parser is handed its settings
    ("validator.render.text", "validator.rules", "layers"),  # renderers know no rule
    ("validator.model", "validator.engine", "layers"),
    ("validator.engine", "validator.github.action", "layers"),
    ("validator.bypass", "validator.discover", "layers"),  # one layer, independent
    ("validator.rules._graph", "validator.rules.multiple_heads", "no-cycles"),
    ("validator.parse.plpgsql", "validator.parse.sql", "no-cycles"),  # the circle op-vocabulary removed
    ("validator.github.review", "validator.render._common", "private-modules"),
    ("validator.rules.drop_table", "pglast", "rules-read-operations"),
    ("validator.rules.truncate", "sqlparse", "rules-read-operations"),
])
def test_each_contract_breaks_on_the_import_it_forbids(importer, imported, contract):
    assert _kept((contract,))
    assert not _kept((contract,), (importer, imported))


def _rule_modules(graph) -> set[str]:
    return {m for m in graph.find_children("validator.rules") if not m.rsplit(".", 1)[1].startswith("_")
            and m != "validator.rules.meta"}


def test_no_rule_imports_another_rule():
    graph = grimp.build_graph("validator", cache_dir=None)
    rules = _rule_modules(graph)
    assert len(rules) > 20
    crossing = {(m, other) for m in rules for other in graph.find_modules_directly_imported_by(m) & rules}
    assert crossing == set()
