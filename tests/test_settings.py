"""Settings are read and checked in one place (`config.py`): every documented setting works from
every place `alliance-kg serve` reads, and a bad value or name stops the start, saying why."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from alliance_kg import config, serving
from alliance_kg.app import create_app
from alliance_kg.config import ENV_PREFIX, SettingsError
from alliance_kg.project import Project
from alliance_kg.store.embedded import Store
from alliance_kg.store.remote import RemoteStore

from .endpoint_support import write_build, write_project

DOCS = Path(__file__).resolve().parents[1] / "docs" / "endpoint.md"
PLACES = ("environment", "instance file", "--set")
REFUSED = {("INSTANCE_PATH", "instance file"): "cannot be set in the folder it names"}


def documented() -> dict[str, str]:
    """Each setting of the docs' table, with what its Takes column says (backticks dropped)."""
    table = DOCS.read_text("utf-8").split("| Setting |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| [^|]* \| ([^|]*) \|", table, re.MULTILINE)
    return {name: takes.replace("`", "") for name, takes in rows}


def samples(tmp: Path) -> dict[str, Any]:
    """A value other than the default that each setting takes, as a Python value."""
    return {
        "HOST": "0.0.0.0",
        "PORT": 8123,
        "WORKERS": 3,
        "QUERY_TIMEOUT": 4.5,
        "KEEPALIVE": 0,
        "REQUEST_READ_TIMEOUT": 2.5,
        "MAX_CONNECTIONS": 50,
        "QUERY_MEMORY_LIMIT": 256,
        "MAX_RESULT_ROWS": 5,
        "MAX_RESULT_BYTES": 4096,
        "MAX_REQUEST_BYTES": 2048,
        "MAX_QUERY_NESTING": 8,
        "MAX_QUERY_GROUPS": 9,
        "MAX_QUERY_OPERATORS": 0,
        "UPDATE_TOKEN": "s3cret",
        "UPDATE_ALLOW_ASSERTED": True,
        "UPDATE_LOG": str(tmp / "elsewhere.log"),
        "CORS_ALLOW_ORIGIN": "https://example.org",
        "INSTANCE_PATH": str(tmp / "other-instance"),
        "BUILD_DIR": str(write_build(tmp / "other-build", version="other-version")),
        "STORE_DIR": str(tmp / "stores"),
        "IN_MEMORY_MAX_QUADS": 0,
        "WARM_PAGES": False,
        "BACKEND": "sparql+http://127.0.0.1:9/sparql",
        "ACCESS_LOG": True,
    }


def as_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def serve_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serving.add_serve_arguments(parser)
    return parser.parse_args(list(argv))


def served_app(project: Project, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app `alliance-kg serve ARGV` would serve, stopped short of listening; a `BACKEND`
    opens the project's build instead of connecting."""
    served: list[Flask] = []
    build = project.build_dir / "current"
    monkeypatch.setattr(serving, "serve_wsgi", lambda app, *_, **__: served.append(app))
    monkeypatch.setattr(RemoteStore, "open", lambda backend, timeout: Store.open(build))
    assert serving.run_serve(serve_args(*argv), project) == 0
    return served[0]


def test_the_docs_table_lists_every_setting_and_what_it_takes() -> None:
    expected = {setting.name: setting.kind.accepted for setting in config.SETTINGS}
    assert documented() == expected


def test_every_walked_setting_has_a_sample(tmp_path: Path) -> None:
    assert set(samples(tmp_path)) == set(documented())


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_default_is_a_value_its_setting_takes(setting: config.Setting) -> None:
    assert config.value_of(setting, setting.default, "the default") == setting.default


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("name", sorted(set(documented())))
def test_every_documented_setting_works_from_every_place(
    name: str, place: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(write_project(tmp_path / "project"))
    value = samples(tmp_path)[name]
    argv: list[str] = []
    if place == "environment":
        monkeypatch.setenv(ENV_PREFIX + name, as_text(value))
    elif place == "instance file":
        (project.root / "instance").mkdir()
        (project.root / "instance" / "config.py").write_text(f"{name} = {value!r}\n")
    else:
        argv = ["--set", f"{name}={as_text(value)}"]
    if (name, place) in REFUSED:
        with pytest.raises(SettingsError, match=REFUSED[name, place]):
            served_app(project, argv, monkeypatch)
        return
    assert served_app(project, argv, monkeypatch).config[name] == value


@pytest.mark.parametrize("flag", serving.SHORTCUTS)
def test_every_shortcut_flag_sets_its_setting(
    flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(write_project(tmp_path / "project"))
    value = samples(tmp_path)[flag.upper()]
    argv = ["--" + flag.replace("_", "-"), as_text(value)]
    assert served_app(project, argv, monkeypatch).config[flag.upper()] == value


def test_served_settings_derive_the_instance_folder_and_build_from_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(write_project(tmp_path))
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("MAX_RESULT_ROWS = 7\n")
    app = served_app(project, [], monkeypatch)
    assert app.instance_path == str(tmp_path / "instance")
    assert app.config["MAX_RESULT_ROWS"] == 7
    assert app.config["BUILD_DIR"] == str((tmp_path / "build" / "current").resolve())


@pytest.mark.parametrize("word", ["true", "1", "Yes", " on "])
def test_a_boolean_takes_its_true_words(word: str) -> None:
    assert config.load({}, environ={"ALLIANCE_KG_ACCESS_LOG": word})["ACCESS_LOG"] is True


@pytest.mark.parametrize("word", ["false", "0", "NO", "off"])
def test_a_boolean_takes_its_false_words(word: str) -> None:
    assert config.load({}, environ={"ALLIANCE_KG_ACCESS_LOG": word})["ACCESS_LOG"] is False


def test_a_misspelt_boolean_is_an_error_not_false() -> None:
    with pytest.raises(SettingsError) as raised:
        config.load({}, environ={"ALLIANCE_KG_WARM_PAGES": "flase"})
    assert str(raised.value) == (
        "WARM_PAGES 'flase' from the environment (ALLIANCE_KG_WARM_PAGES): "
        "expected true or false (or 1/0, yes/no, on/off)"
    )


def test_a_bad_environment_value_names_the_setting_the_variable_and_what_it_takes() -> None:
    with pytest.raises(SettingsError) as raised:
        config.load({}, environ={"ALLIANCE_KG_QUERY_TIMEOUT": "30s"})
    assert str(raised.value) == (
        "QUERY_TIMEOUT '30s' from the environment (ALLIANCE_KG_QUERY_TIMEOUT): "
        "expected a number of seconds above 0"
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("PORT", "0"),
        ("PORT", "65536"),
        ("WORKERS", "0"),
        ("QUERY_TIMEOUT", "0"),
        ("QUERY_TIMEOUT", "-1"),
        ("QUERY_TIMEOUT", "nan"),
        ("REQUEST_READ_TIMEOUT", "inf"),
        ("KEEPALIVE", "-1"),
        ("KEEPALIVE", "2.5"),
        ("MAX_CONNECTIONS", "0"),
        ("QUERY_MEMORY_LIMIT", "-1"),
        ("MAX_RESULT_ROWS", "-1"),
        ("MAX_RESULT_BYTES", "-5"),
        ("MAX_REQUEST_BYTES", "0"),
        ("MAX_QUERY_NESTING", "0"),
        ("MAX_QUERY_GROUPS", "0"),
        ("MAX_QUERY_OPERATORS", "-1"),
        ("HOST", ""),
        ("CORS_ALLOW_ORIGIN", "https://example.org/"),
        ("CORS_ALLOW_ORIGIN", ""),
        ("BACKEND", "http://127.0.0.1/sparql"),
    ],
)
def test_a_value_out_of_range_is_refused_saying_what_is_accepted(name: str, text: str) -> None:
    setting = config.SETTINGS_BY_NAME[name]
    with pytest.raises(SettingsError) as raised:
        serving._overrides(serve_args("--set", f"{name}={text}"))
    assert str(raised.value) == f"{name} {text!r} from --set: expected {setting.kind.accepted}"


def test_a_bad_token_is_refused_without_repeating_it() -> None:
    with pytest.raises(SettingsError) as raised:
        config.load({}, environ={"ALLIANCE_KG_UPDATE_TOKEN": "two words"})
    assert str(raised.value) == (
        "UPDATE_TOKEN (hidden) from the environment (ALLIANCE_KG_UPDATE_TOKEN): "
        "expected a token without spaces, or empty for the default"
    )


def test_a_bad_flag_value_names_the_flag() -> None:
    with pytest.raises(SettingsError, match=r"^PORT 0 from --port: expected a whole number"):
        serving._overrides(serve_args("--port", "0"))


def test_set_needs_a_name_and_a_value() -> None:
    with pytest.raises(SettingsError, match="expected NAME=VALUE"):
        serving._overrides(serve_args("--set", "MAX_RESULT_ROWS"))


def test_an_empty_value_unsets_an_optional_setting() -> None:
    given = {"ALLIANCE_KG_UPDATE_TOKEN": "", "ALLIANCE_KG_BUILD_DIR": ""}
    settings = config.load({}, environ=given)
    assert settings["UPDATE_TOKEN"] is None
    assert settings["BUILD_DIR"] is None


def instance_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "config.py").write_text(text)
    return tmp_path / "config.py"


def test_the_instance_file_takes_python_values_or_text_read_as_the_environment_is(
    tmp_path: Path,
) -> None:
    path = instance_file(
        tmp_path,
        "from pathlib import Path\n"
        "QUERY_TIMEOUT = 4\nPORT = '8123'\nACCESS_LOG = 'yes'\nWARM_PAGES = False\n"
        "BUILD_DIR = Path('/srv/build')\nhelper = 'lower-case names are not settings'\n",
    )
    assert config.from_instance_file(path) == {
        "QUERY_TIMEOUT": 4.0,
        "PORT": 8123,
        "ACCESS_LOG": True,
        "WARM_PAGES": False,
        "BUILD_DIR": "/srv/build",
    }


@pytest.mark.parametrize(
    "line", ["PORT = 8123.0", "ACCESS_LOG = 1", "QUERY_TIMEOUT = [4]", "WORKERS = True"]
)
def test_the_instance_file_refuses_a_value_of_another_type_naming_the_file(
    line: str, tmp_path: Path
) -> None:
    path = instance_file(tmp_path, line + "\n")
    name, _, value = line.partition(" = ")
    with pytest.raises(SettingsError) as raised:
        config.from_instance_file(path)
    assert str(raised.value).startswith(f"{name} {value} from instance file {path}: expected ")


def test_an_unknown_name_in_the_instance_file_is_an_error_with_a_suggestion(
    tmp_path: Path,
) -> None:
    path = instance_file(tmp_path, "MAX_RESULT_ROW = 5\n")
    with pytest.raises(SettingsError) as raised:
        config.load({}, instance=str(tmp_path), environ={})
    assert str(raised.value) == (
        f"unknown setting MAX_RESULT_ROW from instance file {path}; did you mean "
        "MAX_RESULT_ROWS? (docs/endpoint.md lists them)"
    )


def test_an_instance_file_that_is_not_python_is_an_error_naming_it(tmp_path: Path) -> None:
    path = instance_file(tmp_path, "PORT = = 8000\n")
    with pytest.raises(SettingsError, match=f"^instance file {re.escape(str(path))}, line 1: "):
        config.from_instance_file(path)


def test_an_unknown_alliance_kg_variable_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(SettingsError, match="did you mean ALLIANCE_KG_QUERY_TIMEOUT\\?"):
        config.load({}, environ={"ALLIANCE_KG_QUERY_TIMOUT": "5"})


def test_an_unknown_name_unlike_any_setting_gets_no_suggestion() -> None:
    with pytest.raises(SettingsError) as raised:
        config.load({}, environ={"ALLIANCE_KG_ZZZ": "1"})
    assert "did you mean" not in str(raised.value)


def test_alliance_kg_home_is_not_taken_for_a_setting() -> None:
    assert config.load({}, environ={"ALLIANCE_KG_HOME": "/srv/kg"}) == {
        **config.defaults(),
        "INSTANCE_PATH": None,
    }


def test_build_dir_and_backend_together_are_refused() -> None:
    given = {"BUILD_DIR": "/srv/build", "BACKEND": "sparql+http://127.0.0.1/sparql"}
    with pytest.raises(SettingsError, match="BUILD_DIR and BACKEND are both set"):
        config.load(given, environ={})


def test_a_test_config_is_checked_too() -> None:
    with pytest.raises(SettingsError, match=r"^QUERY_TIMEOUT 'soon' from test_config: expected"):
        create_app({"TESTING": True, "QUERY_TIMEOUT": "soon"})
