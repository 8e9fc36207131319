"""One typed ``Settings`` from ``[tool.migration-guard]``, CLI flags and action inputs.

Precedence, lowest first: defaults, the config file, then explicit flags or inputs.
Every unknown key or bad value raises ``ConfigError`` naming it (exit code 2).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .downgrade import CHOICES as DOWNGRADE, DowngradePolicy
from .model import BYPASS_TOKEN, DIALECTS, Severity

FAIL_ON = ("error", "warning", "never")


class ConfigError(ValueError):
    """A bad configuration key, value or flag: reported to the user, exit code 2."""


@dataclass(frozen=True)
class RuleSetting:
    enabled: bool = True
    severity: Severity | None = None  # None: the rule's default


@dataclass(frozen=True)
class Settings:
    fail_on: str = "error"
    downgrade: DowngradePolicy = DowngradePolicy.IGNORE
    bypass_token: str = BYPASS_TOKEN
    require_reason: bool = True
    rules: Mapping[str, RuleSetting] = field(default_factory=dict)  # keyed by rule code
    include: tuple[str, ...] = ()  # globs; empty means discover
    exclude: tuple[str, ...] = ()
    dialect: str = "postgresql"  # the database the revisions run on: code for another one is not analysed

    def __post_init__(self) -> None:
        # given as text by a caller or a flag: the policy object is what the engine asks
        object.__setattr__(self, "downgrade", DowngradePolicy(_choice("downgrade", self.downgrade, DOWNGRADE)))

    def with_overrides(self, **changes: Any) -> "Settings":
        """Apply flags that were given (``None`` means not given)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "fail_on" in given:
            _choice("fail-on", given["fail_on"], FAIL_ON)
        return replace(self, **given)


_KEYS = {
    "fail-on", "downgrade", "bypass-token", "require-reason", "rules", "include", "exclude",
    "enable", "disable", "severity", "dialect",
}


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{key}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def _globs(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{key}: expected a list of glob strings, got {value!r}")
    return tuple(value)


def _rule_code(key: str, name: Any) -> str:
    from .rules import lookup

    info = lookup(name) if isinstance(name, str) else None
    if info is None:
        raise ConfigError(f"{key}: unknown rule {name!r}")
    return info.code


def _severity(key: str, value: Any) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ConfigError(f"{key}: expected error or warning, got {value!r}") from None


def _rules_table(table: Mapping[str, Any]) -> dict[str, RuleSetting]:
    """Parse ``rules``, ``enable``, ``disable`` and ``severity`` into per-code settings."""
    result: dict[str, RuleSetting] = {}

    def update(code: str, **kw: Any) -> None:
        result[code] = replace(result.get(code, RuleSetting()), **kw)

    for name in table.get("enable", []) if isinstance(table.get("enable", []), list) else _bad("enable"):
        update(_rule_code("enable", name), enabled=True)
    for name in table.get("disable", []) if isinstance(table.get("disable", []), list) else _bad("disable"):
        update(_rule_code("disable", name), enabled=False)
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        _bad("severity")
    for name, value in severity.items():
        update(_rule_code("severity", name), severity=_severity(f"severity.{name}", value))
    rules = table.get("rules", {})
    if not isinstance(rules, dict):
        _bad("rules")
    for name, value in rules.items():
        key = f"rules.{name}"
        code = _rule_code("rules", name)
        if isinstance(value, bool):
            update(code, enabled=value)
        elif value == "off":
            update(code, enabled=False)
        elif isinstance(value, str):
            update(code, enabled=True, severity=_severity(key, value))
        elif isinstance(value, dict):
            unknown = set(value) - {"enabled", "severity"}
            if unknown:
                raise ConfigError(f"{key}: unknown key {sorted(unknown)[0]!r}")
            if "enabled" in value:
                if not isinstance(value["enabled"], bool):
                    raise ConfigError(f"{key}.enabled: expected true or false, got {value['enabled']!r}")
                update(code, enabled=value["enabled"])
            if "severity" in value:
                update(code, severity=_severity(f"{key}.severity", value["severity"]))
        else:
            raise ConfigError(f"{key}: expected true, false, 'off', 'error', 'warning' or a table, got {value!r}")
    return result


def _bad(key: str):
    raise ConfigError(f"{key}: expected a list or table")


def from_table(table: Mapping[str, Any], base: Settings | None = None) -> Settings:
    """Build settings from a ``[tool.migration-guard]`` table."""
    settings = base or Settings()
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"unknown key {sorted(unknown)[0]!r} in [tool.migration-guard]")
    changes: dict[str, Any] = {}
    if "fail-on" in table:
        changes["fail_on"] = _choice("fail-on", table["fail-on"], FAIL_ON)
    if "downgrade" in table:
        changes["downgrade"] = _choice("downgrade", table["downgrade"], DOWNGRADE)
    if "dialect" in table:
        changes["dialect"] = _choice("dialect", table["dialect"], DIALECTS)
    if "bypass-token" in table:
        token = table["bypass-token"]
        if not isinstance(token, str) or not token.strip() or any(c.isspace() for c in token.strip()):
            raise ConfigError(f"bypass-token: expected one word without spaces, got {token!r}")
        changes["bypass_token"] = token.strip()
    if "require-reason" in table:
        if not isinstance(table["require-reason"], bool):
            raise ConfigError(f"require-reason: expected true or false, got {table['require-reason']!r}")
        changes["require_reason"] = table["require-reason"]
    if "include" in table:
        changes["include"] = _globs("include", table["include"])
    if "exclude" in table:
        changes["exclude"] = _globs("exclude", table["exclude"])
    rules = _rules_table(table)
    if rules:
        changes["rules"] = {**settings.rules, **rules}
    return replace(settings, **changes)


def _toml():
    # imported on first use: most runs read no configuration file, and start-up time counts
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def read_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; a ``ValueError`` names what is wrong."""
    return _toml().loads(text)


def load_file(path: str | Path, base: Settings | None = None) -> Settings:
    """Read a ``pyproject.toml`` (its ``[tool.migration-guard]`` table) or ``.migration-guard.toml``."""
    tomllib = _toml()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("migration-guard", {})
    elif "tool" in data and "migration-guard" in data.get("tool", {}):
        data = data["tool"]["migration-guard"]
    try:
        return from_table(data, base)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def discover(directory: str | Path = ".") -> Settings:
    """Settings from ``.migration-guard.toml`` or ``pyproject.toml`` in ``directory``, else defaults."""
    directory = Path(directory)
    dedicated = directory / ".migration-guard.toml"
    if dedicated.is_file():
        return load_file(dedicated)
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        tomllib = _toml()
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from None
        if "migration-guard" in data.get("tool", {}):
            return load_file(pyproject)
    return Settings()


def load(config: str | None, directory: Path, **overrides: Any) -> Settings:
    """The settings of a run, for the CLI and the action alike.

    ``config`` is the file given by ``--config`` or the ``config`` input (relative to
    ``directory``), else the configuration is discovered in ``directory``; ``overrides``
    are the flags or inputs, ``None`` where not given.
    """
    settings = load_file(directory / config) if config else discover(directory)
    return settings.with_overrides(**overrides)
