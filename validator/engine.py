"""Run the rules over parsed revisions, apply bypasses and the downgrade policy: a ``Report``."""
from __future__ import annotations

import functools
import gc
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence

from . import bypass, deployment, history
from .config import Settings
from .fold import fold_into_table_drops
from .model import Environment, Finding, Migration, OpKind, Operation, Phase, Report, RuleInfo, Severity, Span
from .parse import parse_source, revision_only
from .rules import Rule, all_rules, meta_rules
from .rules.meta import PARSE_ERROR


def active_rules(settings: Settings) -> tuple[Rule, ...]:
    chosen = []
    for rule in all_rules():
        setting = settings.rules.get(rule.info.code)
        enabled = setting.enabled if setting else not rule.info.opt_in
        if enabled:
            chosen.append(rule)
    return tuple(chosen)


def severity_of(info: RuleInfo, settings: Settings) -> Severity:
    setting = settings.rules.get(info.code)
    return (setting.severity if setting and setting.severity else None) or info.severity


def _finding(info: RuleInfo, severity: Severity, path: str, where: Operation | Span, message: str) -> Finding:
    if isinstance(where, Operation):
        span, phase, statement, target = where.span, where.phase, where.statement, where.object
    else:
        span, phase, statement, target = where, Phase.MODULE, "", None
    return Finding(
        code=info.code, rule=info.name, severity=severity, path=path, line=span.line,
        end_line=span.end_line, column=span.column, phase=phase, message=message, statement=statement,
        object=target,
    )


def check_migration(migration: Migration, rules: Sequence[Rule], settings: Settings) -> list[Finding]:
    """Every finding of one revision, bypasses applied, before the downgrade policy."""
    findings: list[Finding] = []
    covered: list[Span] = []  # statement spans of findings, for bypass matching
    sources: list[Operation | Span] = []  # what each rule finding was reported on
    by_kind: dict[OpKind, list[Operation]] = {}
    for op in migration.operations:
        by_kind.setdefault(op.kind, []).append(op)
    for rule in rules:
        if rule.scope == "project":
            continue  # run once over every file, in lint_sources
        if rule.scope == "operation" and rule.kinds is not None and by_kind.keys().isdisjoint(rule.kinds):
            continue  # none of the operations it checks occur here
        severity = severity_of(rule.info, settings)
        for where, message in rule.run(migration, by_kind):
            findings.append(_finding(rule.info, severity, migration.path, where, message))
            covered.append(where.statement_span if isinstance(where, Operation) else where)
            sources.append(where)
    for problem in migration.problems:
        info = next((m for m in meta_rules() if m.code == problem.code), PARSE_ERROR)
        finding = _finding(info, severity_of(info, settings), migration.path, problem.span, problem.message)
        findings.append(_with_statement(finding, problem.statement))
        covered.append(problem.span)
    return fold_into_table_drops(bypass.apply(migration, findings, covered, settings, severity_of), sources)


def _with_statement(finding: Finding, statement: str) -> Finding:
    return replace(finding, statement=statement) if statement else finding


def lint_sources(
    sources: Iterable[tuple[str, bytes | OSError | None]],
    settings: Settings,
    project: Iterable[tuple[str, bytes | OSError]] = (),
    *,
    jobs: int | None = None,
    environments: Sequence[Environment] = (),
    new_revisions: Iterable[str] = (),
    root: str = "",
) -> Report:
    """Lint revision files given as ``(path, content)``; nothing is imported or executed.

    A content of None means: read the file at ``path``.

    ``project`` holds the other revision files of the same environments (for the
    revision-graph rules); findings are reported only for the linted files. The graph
    rules run per environment, never across two: a file in none of ``environments``
    shares a graph with the files of its own folder. Large batches are spread over
    ``jobs`` processes (default: one per core).

    ``new_revisions`` names the linted files the change (pull request, ``--base``) adds: the
    tables they create count as new for the lock rules. Each environment's env.py is read
    (under ``root``, where the environments' paths start) for the settings every revision runs with.
    """
    added = set(new_revisions)
    sources = [(p, _read(p) if d is None and p in added else d) for p, d in sources]  # read once, parsed twice
    rules = active_rules(settings)
    findings: list[Finding] = []
    identities: list[Migration] = []
    new_tables = deployment.created_tables(((p, d) for p, d in sources if p in added), settings) \
        if added else frozenset()
    placed = (deployment.placed(environments, root, new_tables), root, new_tables)
    for file_findings, identity in _map(sources, settings, rules, jobs, placed):
        findings.extend(file_findings)
        identities.append(identity)
    linted = {m.path for m in identities}
    project_rules = [r for r in rules if r.scope == "project"]
    if project_rules:
        same = {_same_file(p) for p in linted}  # a linted file may be spelled otherwise in ``project``
        others = tuple(revision_only(p, d) for p, d in project if _same_file(p) not in same)
        for graph in _graphs(tuple(identities) + others, environments):
            for rule in project_rules:
                severity = severity_of(rule.info, settings)
                for path, (where, message) in rule.run_project(graph):
                    if path in linted:
                        findings.append(_finding(rule.info, severity, path, where, message))
    findings = settings.downgrade.apply(findings)
    disabled = {code for code, s in settings.rules.items() if not s.enabled}
    findings = [f for f in findings if f.code not in disabled]
    findings.sort(key=Finding.sort_key)
    infos = tuple(r.info for r in rules) + meta_rules()
    return Report(files=tuple(m.path for m in identities), findings=tuple(findings), rules=infos,
                  environments=tuple(environments))


def _same_file(path: str) -> str:
    """One spelling per file (``./a.py``, ``a.py`` and its absolute path), without asking the disk."""
    return os.path.normpath(os.path.abspath(path))


def _graphs(migrations: tuple[Migration, ...], environments: Sequence[Environment]) -> list[tuple[Migration, ...]]:
    """The revisions split by environment: two environments may reuse revision ids without conflict."""
    if not environments:
        return [migrations]
    owner = {_same_file(path): index for index, env in enumerate(environments) for path in env.files}
    folders = sorted(((_same_file(loc) + os.sep, index) for index, env in enumerate(environments)
                      for loc in env.locations), key=lambda f: -len(f[0]))  # the deepest location wins
    groups: dict[object, list[Migration]] = {}
    for m in migrations:
        path = _same_file(m.path)
        key = owner.get(path)
        if key is None:  # a file the environment did not list yet (new in a pull request): its folder decides
            key = next((index for folder, index in folders if path.startswith(folder)), os.path.dirname(path))
        groups.setdefault(key, []).append(m)
    return [tuple(g) for g in groups.values()]


def _check_file(item: tuple[str, bytes | OSError | None], settings: Settings,
                rules: Sequence[Rule], placed: tuple = ((), "", frozenset())) -> tuple[list[Finding], Migration]:
    """Parse and check one file; return its findings and the identity the graph rules need.

    ``placed``: the deployments by folder, the root and the change's new tables (``deployment.placed``).
    """
    path, data = item
    if data is None:
        data = _read(path)
    migration = parse_source(path, data, settings.bypass_token, downgrade=settings.downgrade,
                             dialect=settings.dialect, column_types=any(rule.column_types for rule in rules))
    deployments, root, new_tables = placed
    if deployments or new_tables:
        migration = replace(migration, deployment=deployment.deployment_of(path, root, deployments, new_tables))
    migration = history.with_old_types(migration, data, settings)
    findings = check_migration(migration, rules, settings)
    return findings, Migration(path, problems=migration.problems, revision=migration.revision)


def _check_chunk(items: list, settings: Settings, rules: Sequence[Rule]) -> list[tuple[list[Finding], Migration]]:
    results = [_check_file(item, settings, rules, _worker_placed) for item in items]
    gc.collect(0)  # the few cycles a chunk leaves; only objects made since the last chunk are scanned
    return results


# The deployments of a worker's files (``deployment.placed``), set once when it starts: they name every
# revision file of the environments, too much to send again with each chunk.
_worker_placed: tuple = ((), "", frozenset())


def _worker_start(placed: tuple) -> None:
    global _worker_placed
    _worker_placed = placed
    # Almost everything a file makes dies by reference counting when the file is done;
    # automatic collections would keep rescanning live parse trees for nothing.
    gc.disable()


_PARALLEL_FROM = 96  # below this, starting workers costs more than it saves


def _map(sources: list, settings: Settings, rules: Sequence[Rule], jobs: int | None, placed: tuple):
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    context = _fork_context() if jobs > 1 and len(sources) >= _PARALLEL_FROM else None
    if context is None:
        return (_check_file(item, settings, rules, placed) for item in sources)
    import concurrent.futures  # like multiprocessing, only for large batches

    # small chunks keep both workers busy to the end; files are read by the workers
    size = max(4, min(32, len(sources) // (jobs * 16)))
    chunks = [sources[i:i + size] for i in range(0, len(sources), size)]
    check = functools.partial(_check_chunk, settings=settings, rules=rules)
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_start,
                                                initargs=(placed,)) as pool:
        return [result for results in pool.map(check, chunks) for result in results]


def _fork_context():
    """The fork start method, or None where the platform has none."""
    import multiprocessing  # imported here: a pull request's few files never need it

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    # fork: workers inherit the loaded rules and parser instead of importing them again
    return multiprocessing.get_context("fork")


def lint_paths(paths: Sequence[str], settings: Settings, project: Sequence[str] = (), *, jobs: int | None = None,
               environments: Sequence[Environment] = (), new_revisions: Sequence[str] = ()) -> Report:
    """Lint files on disk, keeping each path as given; each file is read where it is checked."""
    given = set(paths)
    return lint_sources([(p, None) for p in paths], settings,
                        [(p, _read(p)) for p in project if p not in given], jobs=jobs, environments=environments,
                        new_revisions=new_revisions)


def _read(path: str) -> bytes | OSError:
    try:
        return Path(path).read_bytes()
    except OSError as exc:  # reported by the parser as a parse error
        return exc
