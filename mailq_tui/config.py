"""The config file: site defaults, a user's preferences, and saved filters.

Files, later ones overriding earlier ones key by key (a saved filter by its name):

1. ``/etc/mailq-tui/config.toml`` (site defaults; :data:`SITE_CONFIG`),
2. ``$XDG_CONFIG_HOME/mailq-tui/config.toml`` (``~/.config/mailq-tui/config.toml`` when the
   variable is unset or not an absolute path, as the XDG spec says).

``MAILQ_TUI_CONFIG=FILE`` reads only ``FILE`` instead (it must exist; ``/dev/null`` reads no
config at all). The command line wins over every file (see :mod:`mailq_tui.cli`).

Every mistake is an error naming the file and line (``/path/config.toml:7: …``), unknown keys
included: a misspelt ``sduo = true`` in a tool that deletes mail must not pass silently. The
saved filters are parsed with the query parser at load time, so a bad one is reported here and
not at the first ``@name``. Pure Python: the caller says which themes and columns exist.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Optional

from mailq_tui.model.query import SAVED_NAME, QuerySyntaxError, parse_saved_filter

#: Site defaults, read first.
SITE_CONFIG = Path("/etc/mailq-tui/config.toml")
#: Names a file to read instead of the site and user files.
CONFIG_ENV = "MAILQ_TUI_CONFIG"

#: Top-level keys and the types they take (``filters`` is a table of its own).
_KEYS = ("config_dir", "refresh", "sudo", "theme", "columns", "filters")


class ConfigError(Exception):
    """A config file that cannot be used: ``path:line: message`` (line 0: unknown)."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Config:
    """What the config files say; None where they say nothing (the built-in default holds)."""

    #: Postfix configuration directory (``-c``).
    config_dir: Optional[str] = None
    #: App: seconds between live refreshes (``--refresh``).
    refresh: Optional[float] = None
    #: Run postsuper/postcat through ``sudo -n`` (``--sudo``).
    sudo: Optional[bool] = None
    #: A Textual theme name.
    theme: Optional[str] = None
    #: The optional list columns shown, in the list's own order.
    columns: Optional[tuple[str, ...]] = None
    #: Saved filters: name -> query text (``@name`` in a query).
    filters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def option_defaults(self) -> dict[str, Any]:
        """The command line's global options this config sets, by their argparse ``dest``."""
        values = {"config_dir": self.config_dir, "refresh": self.refresh, "sudo": self.sudo}
        return {dest: value for dest, value in values.items() if value is not None}


def user_config_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/mailq-tui/config.toml``, or under ``~/.config``."""
    base = environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".config")
    return Path(base) / "mailq-tui" / "config.toml"


def config_files(environ: Mapping[str, str]) -> tuple[list[Path], bool]:
    """The files to read, in order, and whether they must exist (only a file named by
    :data:`CONFIG_ENV` must)."""
    named = environ.get(CONFIG_ENV)
    if named:
        return [Path(named)], True
    return [SITE_CONFIG, user_config_path(environ)], False


def load_config(
    environ: Mapping[str, str],
    *,
    themes: Callable[[], Collection[str]],
    columns: Sequence[str],
) -> Config:
    """Read and check the config files ``environ`` names (see :func:`config_files`).

    ``themes``: the theme names the app has (called only when a file sets a theme: it
    imports Textual). ``columns``: the list's optional column names. Raises
    :class:`ConfigError`.
    """
    paths, required = config_files(environ)
    return merge_files(
        [f for f in (read_file(p, required) for p in paths) if f is not None],
        themes=themes,
        columns=columns,
    )


@dataclass(frozen=True)
class ConfigFile:
    """One file's table, with its text to find the line of a key in."""

    path: Path
    text: str
    table: Mapping[str, Any]

    def error(self, message: str, key: str, table: Optional[str] = None) -> ConfigError:
        """An error about ``key`` (in ``[table]``), at its line in this file."""
        return ConfigError(self.path, key_line(self.text, key, table), message)


_TOML_WHERE = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$", re.S)


def read_file(path: Path, required: bool) -> Optional[ConfigFile]:
    """Read and parse ``path``: None when it does not exist and is not ``required``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(path, 0, "no such file") from None
        return None
    except OSError as exc:
        raise ConfigError(path, 0, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(path, line, "not UTF-8 text (TOML files are UTF-8)") from None
    if sys.version_info >= (3, 11):  # imported here: most machines have no config file
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, str(exc)) from None
    return ConfigFile(path, text, table)


def _syntax_error(path: Path, text: str, message: str) -> ConfigError:
    """tomllib's ``msg (at line L, column C)`` as ``path:L: msg (column C)``."""
    where = _TOML_WHERE.match(message)
    if where is None:
        # "(at end of document)": the last line.
        line = text.count("\n") + (0 if text.endswith("\n") else 1)
        message = message.replace(" (at end of document)", " at the end of the file")
        return ConfigError(path, max(1, line), f"TOML syntax: {message}")
    return ConfigError(
        path,
        int(where["line"]),
        f"TOML syntax: {where['msg']} (column {where['col']})",
    )


def merge_files(
    files: Sequence[ConfigFile],
    *,
    themes: Callable[[], Collection[str]],
    columns: Sequence[str],
) -> Config:
    """Check each file, then merge them: a later file's key replaces an earlier one's, a saved
    filter replaces the one of the same name. Saved filters are checked once merged (one may
    use another from an earlier file)."""
    values: dict[str, Any] = {}
    filters: dict[str, tuple[str, ConfigFile]] = {}
    for file in files:
        checked = _check_keys(file, themes, columns)
        for name, query in checked.pop("filters", {}).items():
            filters[name] = (query, file)
        values.update(checked)
    saved = {name: query for name, (query, _) in filters.items()}
    for name, (query, file) in filters.items():
        _check_filter(file, name, query, saved)
    return Config(**values, filters=MappingProxyType(saved))


def _check_keys(
    file: ConfigFile, themes: Callable[[], Collection[str]], columns: Sequence[str]
) -> dict[str, Any]:
    """The file's values by key, each checked (filters only for their shape)."""
    out: dict[str, Any] = {}
    for key, value in file.table.items():
        if key not in _KEYS:
            raise file.error(f"unknown key {key!r} (known: {', '.join(_KEYS)})", key)
        out[key] = _CHECKS[key](file, value, themes, columns)
    return out


def _config_dir(file: ConfigFile, value: object, *_: object) -> str:
    if not isinstance(value, str) or not value:
        raise file.error(
            f"config_dir: expected a directory name in quotes, got {_shown(value)}", "config_dir"
        )
    return value


def _refresh(file: ConfigFile, value: object, *_: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise file.error(
            f"refresh: expected seconds, a number >= 0 (0: no live refresh), got {_shown(value)}",
            "refresh",
        )
    return float(value)


def _sudo(file: ConfigFile, value: object, *_: object) -> bool:
    if not isinstance(value, bool):
        raise file.error(f"sudo: expected true or false, got {_shown(value)}", "sudo")
    return value


def _theme(
    file: ConfigFile, value: object, themes: Callable[[], Collection[str]], *_: object
) -> str:
    known = sorted(themes())
    if not isinstance(value, str) or value not in known:
        raise file.error(f"theme: expected one of {', '.join(known)}, got {_shown(value)}", "theme")
    return value


def _columns(
    file: ConfigFile, value: object, _themes: object, columns: Sequence[str]
) -> tuple[str, ...]:
    expected = f"a list of column names from {', '.join(columns)}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise file.error(f"columns: expected {expected}, got {_shown(value)}", "columns")
    unknown = [v for v in value if v not in columns]
    if unknown:
        raise file.error(f"columns: unknown column {unknown[0]!r}: expected {expected}", "columns")
    # The list keeps its own column order: the names choose which columns show.
    return tuple(c for c in columns if c in value)


def _filters(file: ConfigFile, value: object, *_: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise file.error(
            'filters: expected a table of name = "query" lines under [filters]', "filters"
        )
    for name, query in value.items():
        if not SAVED_NAME.match(name):
            raise file.error(
                f"filters: {name!r} cannot be used as @{name}: a name is letters, digits "
                "and _ . + - (not starting with . + -)",
                name,
                "filters",
            )
        if not isinstance(query, str):
            raise file.error(
                f'filters: {name} must be a query in quotes, e.g. {name} = "domain:example.com"'
                f", got {_shown(query)}",
                name,
                "filters",
            )
    return dict(value)


_CHECKS: dict[str, Callable[..., Any]] = {
    "config_dir": _config_dir,
    "refresh": _refresh,
    "sudo": _sudo,
    "theme": _theme,
    "columns": _columns,
    "filters": _filters,
}


def _check_filter(file: ConfigFile, name: str, query: str, saved: Mapping[str, str]) -> None:
    """Parse the saved filter ``name`` as a query would use it: an error, or one that selects
    every message (no term), is reported at its line."""
    try:
        parsed = parse_saved_filter(name, saved)
    except QuerySyntaxError as exc:
        where = f"at column {exc.position + 1} of the query"
        raise file.error(f"filters: {name}: {exc.message} ({where})", name, "filters") from None
    if parsed.is_empty:
        raise file.error(
            f"filters: {name} is empty: it would select every message", name, "filters"
        )


def _shown(value: object) -> str:
    """A config value as the file spells it, for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


# ---------------------------------------------------------------------- lines of keys


_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]")


def key_line(text: str, key: str, table: Optional[str] = None) -> int:
    """The line (1-based) where ``key`` is set in ``[table]`` (None: the top level), also as
    ``table.key = …`` at the top level; else the line of the table; else 0.

    tomllib gives no positions for values, so a wrong value is found in the text: enough for
    a config file, where each key is set once.
    """
    quoted = f"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    at_key = re.compile(rf"^\s*{quoted}\s*=")
    dotted = None
    if table is not None:
        dotted = re.compile(rf"^\s*{re.escape(table)}\s*\.\s*{quoted}\s*=")
    current: Optional[str] = None
    table_line = 0
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = header.group(1).strip("\"'")
            if table is None and current.split(".")[0].strip("\"' ") == key:
                return number  # an unknown [key] table
            if table is not None and current == table:
                table_line = table_line or number
            continue
        if current == table and at_key.match(line):
            return number
        if current is None and dotted is not None and dotted.match(line):
            return number
        inline_table = table is not None and re.match(rf"^\s*{re.escape(table)}\s*=", line)
        if current is None and inline_table and not table_line:
            table_line = number  # table = { ... }
    return table_line
