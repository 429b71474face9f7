"""The config file: which files are read, how they merge, and every mistake as ``file:line``.

Paths are always injected (an environment mapping, files in tmp_path): no test reads the
machine's /etc or home directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

from mailq_tui import config as config_module
from mailq_tui.config import (
    Config,
    ConfigError,
    config_files,
    key_line,
    load_config,
    user_config_path,
)
from mailq_tui.ui.columns import OPTIONAL_COLUMNS

THEMES = frozenset({"textual-dark", "nord", "gruvbox"})


def themes() -> frozenset[str]:
    return THEMES


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(environ: dict[str, str]) -> Config:
    return load_config(environ, themes=themes, columns=OPTIONAL_COLUMNS)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The site file's place, moved into tmp_path."""
    path = tmp_path / "etc" / "mailq-tui" / "config.toml"
    monkeypatch.setattr(config_module, "SITE_CONFIG", path)
    return path


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose XDG_CONFIG_HOME is in tmp_path."""
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def user_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "mailq-tui" / "config.toml"


# ---------------------------------------------------------------------- where, and merging


def test_the_user_file_is_under_xdg_config_home_else_under_dot_config(tmp_path: Path) -> None:
    assert user_config_path({"XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/u"}) == Path(
        "/x/cfg/mailq-tui/config.toml"
    )
    # Unset or relative (the XDG spec says: ignore it): ~/.config.
    for env in ({"HOME": "/home/u"}, {"HOME": "/home/u", "XDG_CONFIG_HOME": "rel/dir"}):
        assert user_config_path(env) == Path("/home/u/.config/mailq-tui/config.toml")


def test_site_then_user_file_and_only_the_named_file_with_the_variable() -> None:
    env = {"HOME": "/home/u"}
    assert config_files(env) == (
        [Path("/etc/mailq-tui/config.toml"), Path("/home/u/.config/mailq-tui/config.toml")],
        False,
    )
    assert config_files({**env, "MAILQ_TUI_CONFIG": "/t/c.toml"}) == ([Path("/t/c.toml")], True)


def test_no_file_at_all_is_the_built_in_defaults(site: Path, home: dict[str, str]) -> None:
    assert load(home) == Config()
    assert load({"MAILQ_TUI_CONFIG": os.devnull}) == Config()


def test_the_user_file_overrides_the_site_file_key_by_key(site: Path, home: dict[str, str]) -> None:
    write(
        site,
        'config_dir = "/etc/postfix-out"\nrefresh = 10\nsudo = true\ntheme = "nord"\n'
        '[filters]\nstuck = "age:>1d"\nheld = "queue:hold"\n',
    )
    write(
        user_file(home),
        'refresh = 2.5\nsudo = false\ncolumns = ["reason", "queue"]\n'
        '[filters]\nstuck = "age:>2h"\nmine = "@held from:me"\n',
    )
    config = load(home)
    assert config.config_dir == "/etc/postfix-out"  # only the site file says it
    assert (config.refresh, config.sudo, config.theme) == (2.5, False, "nord")
    # The list keeps its own column order.
    assert config.columns == ("queue", "reason")
    # Saved filters merge by name; a user filter may use a site one.
    assert dict(config.filters) == {
        "stuck": "age:>2h",
        "held": "queue:hold",
        "mine": "@held from:me",
    }
    assert config.option_defaults() == {
        "config_dir": "/etc/postfix-out",
        "refresh": 2.5,
        "sudo": False,
    }


def test_the_named_file_replaces_both(site: Path, home: dict[str, str], tmp_path: Path) -> None:
    write(site, "sudo = true\n")
    write(user_file(home), "refresh = 1\n")
    named = write(tmp_path / "t.toml", 'theme = "gruvbox"\n')
    assert load({**home, "MAILQ_TUI_CONFIG": str(named)}) == Config(theme="gruvbox")


def test_the_themes_are_only_asked_for_when_a_theme_is_set(tmp_path: Path) -> None:
    named = write(tmp_path / "c.toml", "sudo = true\n")

    def no_themes() -> frozenset[str]:
        raise AssertionError("themes asked for")

    env = {"MAILQ_TUI_CONFIG": str(named)}
    assert load_config(env, themes=no_themes, columns=OPTIONAL_COLUMNS).sudo is True


# ---------------------------------------------------------------------- errors, with file:line


def error_of(tmp_path: Path, text: str, name: str = "config.toml") -> str:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as error:
        load({"MAILQ_TUI_CONFIG": str(path)})
    return str(error.value).replace(str(tmp_path), "T")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'sudo = true\n\n# ok\nrefresh = 3\n\n[filters]\nstuck = "age:>2h\n',
            "T/config.toml:7: TOML syntax: Illegal character '\\n' (column 17)",
        ),
        ("sudo = true\nsduo = true\n", "T/config.toml:2: unknown key 'sduo' (known: config_dir"),
        ("[colours]\nx = 1\n", "T/config.toml:1: unknown key 'colours'"),
        ('sudo = "yes"\n', "T/config.toml:1: sudo: expected true or false, got 'yes'"),
        ("\nrefresh = -1\n", "T/config.toml:2: refresh: expected seconds, a number >= 0"),
        ("refresh = true\n", "T/config.toml:1: refresh: expected seconds"),
        ('refresh = "3"\n', "T/config.toml:1: refresh: expected seconds"),
        ("config_dir = 5\n", "T/config.toml:1: config_dir: expected a directory name"),
        (
            'sudo = false\ntheme = "solarized"\n',
            "T/config.toml:2: theme: expected one of gruvbox, nord, textual-dark, got 'solarized'",
        ),
        (
            'columns = ["queue", "sendr"]\n',
            "T/config.toml:1: columns: unknown column 'sendr': expected a list of column names "
            "from queue, age, size, sender, recipient, reason",
        ),
        ('columns = "queue"\n', "T/config.toml:1: columns: expected a list of column names"),
        ('filters = "age:>2h"\n', "T/config.toml:1: filters: expected a table"),
        (
            'sudo = true\n[filters]\nok = "to:x"\nbad = "age:>2x"\n',
            "T/config.toml:4: filters: bad: age: expected a number with a unit (s/m/h/d/w), "
            'got "2x" (at column 6 of the query)',
        ),
        (
            '[filters]\n"b a d" = "to:x"\n',
            "T/config.toml:2: filters: 'b a d' cannot be used as @b a d",
        ),
        ("[filters]\nn = 5\n", "T/config.toml:2: filters: n must be a query in quotes"),
        ('[filters]\nn = "  "\n', "T/config.toml:2: filters: n is empty: it would select every"),
        (
            '[filters]\na = "to:x"\nb = "@nope"\n',
            "T/config.toml:3: filters: b: unknown saved filter @nope (saved: @a, @b;",
        ),
        (
            '[filters]\na = "@b"\nb = "to:x @a"\n',
            "T/config.toml:2: filters: a: saved filter @a refers to itself: @a -> @b -> @a",
        ),
        ('[filters]\nn = "-@n"\n', "T/config.toml:2: filters: n: -@n: a saved filter cannot"),
        # Dotted keys and inline tables: still the right line.
        ('sudo = true\nfilters.x = "age:>"\n', "T/config.toml:2: filters: x: age: expected"),
        ('sudo = true\n\nfilters = { x = "q:nope" }\n', "T/config.toml:3: filters: x: queue:"),
    ],
)
def test_each_mistake_names_the_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(tmp_path, text).startswith(expected)


def test_a_syntax_error_at_the_end_of_the_file_names_its_last_line(tmp_path: Path) -> None:
    said = error_of(tmp_path, "sudo = true\nrefresh =")
    assert said.startswith("T/config.toml:2: TOML syntax: ")


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"sudo = true\n# caf\xe9\n")
    with pytest.raises(ConfigError) as error:
        load({"MAILQ_TUI_CONFIG": str(path)})
    assert str(error.value) == f"{path}:2: not UTF-8 text (TOML files are UTF-8)"


def test_a_named_file_must_exist_and_be_readable(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=f"^{missing}: no such file$"):
        load({"MAILQ_TUI_CONFIG": str(missing)})
    with pytest.raises(ConfigError, match=f"^{tmp_path}: cannot read: "):
        load({"MAILQ_TUI_CONFIG": str(tmp_path)})


def test_an_error_in_the_site_file_names_the_site_file(site: Path, home: dict[str, str]) -> None:
    write(site, "\n\nsudo = 1\n")
    write(user_file(home), "sudo = true\n")
    with pytest.raises(ConfigError) as error:
        load(home)
    assert str(error.value).startswith(f"{site}:3: sudo: expected true or false")


def test_a_saved_filter_error_names_the_file_that_defines_it(
    site: Path, home: dict[str, str]
) -> None:
    write(site, '[filters]\nheld = "queue:hold"\nold = "@held @gone"\n')
    write(user_file(home), '[filters]\n\ngone = "age:>1d"\n')
    assert dict(load(home).filters)["old"] == "@held @gone"  # @gone is the user's
    write(user_file(home), '[filters]\n\nmine = "@gone"\n')
    with pytest.raises(ConfigError) as error:
        load(home)
    assert str(error.value).startswith(f"{site}:3: filters: old: unknown saved filter @gone")


@pytest.mark.parametrize(
    ("text", "key", "table", "line"),
    [
        ("a = 1\nb = 2\n", "b", None, 2),
        ('[filters]\n"x" = "y"\n', "x", "filters", 2),
        ("[other]\nx = 1\n[filters]\nx = 2\n", "x", "filters", 4),
        ("x = 1\n[filters]\ny = 2\n", "x", "filters", 2),  # not there: the table's line
        ("a = 1\n", "x", "filters", 0),
    ],
)
def test_key_line(text: str, key: str, table: Optional[str], line: int) -> None:
    assert key_line(text, key, table) == line
