"""The CLI's defaults by habit (config.toml) and `--rate` on every speaking command, as a user meets them: real
processes; a bad file or rate is one line on stderr and exit 2, before any model loads."""

from __future__ import annotations

import json

import pytest

from echollama.cli.main import build_parser
from echollama.samples import SAMPLE_IMAGE
from test_describe_cli import run_cli


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private ECHOLLAMA_HOME (where config.toml is read) for this test alone."""
    monkeypatch.setenv("ECHOLLAMA_HOME", str(tmp_path))
    return tmp_path


def shown(home, *flags: str) -> dict:
    result = run_cli("config", "show", "--json", *flags, env={"ECHOLLAMA_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_file_the_built_in_defaults_apply(home):
    report = shown(home)
    assert report["file"] == str(home / "config.toml") and not report["exists"]
    settings = report["settings"]
    assert settings["rate"] == {"value": 1.0, "from": "built-in default"}
    assert settings["detail"]["value"] == "brief" and settings["spatial"]["value"] is False
    args = build_parser().parse_args(["describe", "photo.jpg"])
    assert (args.rate, args.detail, args.spatial, args.no_text) == (1.0, "brief", False, False)


def test_the_file_sets_the_defaults_and_flags_override_it(home):
    (home / "config.toml").write_text('rate = 2\ndetail = "full"\nspatial = true\ntext = false\nasr = "sphinx"\n')
    args = build_parser().parse_args(["describe", "photo.jpg"])
    assert (args.rate, args.detail, args.spatial, args.no_text) == (2.0, "full", True, True)
    assert build_parser().parse_args(["chat"]).asr == "sphinx" and build_parser().parse_args(["watch", "0"]).rate == 2
    assert build_parser().parse_args(["describe", "photo.jpg", "--rate", "1.5", "--detail", "brief"]).rate == "1.5"
    settings = shown(home)["settings"]
    assert settings["rate"] == {"value": 2.0, "from": f"config file {home / 'config.toml'}"}
    assert settings["text"]["value"] is False and settings["llm"]["from"] == "built-in default"
    settings = shown(home, "--rate", "1.5", "--detail", "normal")["settings"]
    assert settings["rate"] == {"value": 1.5, "from": "flag --rate"}
    assert settings["detail"] == {"value": "normal", "from": "flag --detail"}
    text = run_cli("config", "show", env={"ECHOLLAMA_HOME": str(home)}).stdout
    assert "rate     = 2.0" in text and "# config file" in text


def test_the_xdg_config_folder_when_echollama_home_is_not_set(tmp_path, monkeypatch):
    from echollama.cli.config_file import config_path

    monkeypatch.delenv("ECHOLLAMA_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "echollama" / "config.toml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rate = 4\n", "rate = 4: the speech rate must be from 0.5 to 3.0"),
        ('rate = "fast"\n', "the speech rate must be a number from 0.5 to 3.0"),
        ('detail = "everything"\n', "detail = 'everything': must be one of 'brief', 'normal', 'full'"),
        ('spatial = "yes"\n', "spatial = 'yes': must be true or false"),
        ("speed = 2\n", "unknown setting 'speed'; the settings are rate, detail"),
        ("rate = [\n", "not valid TOML"),
        ("rate = 2\nrate = 3\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(home, content, message):
    (home / "config.toml").write_text(content)
    for command in (("config", "show"), ("describe", str(SAMPLE_IMAGE))):
        result = run_cli(*command, env={"ECHOLLAMA_HOME": str(home)})
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"echollama: error: {home / 'config.toml'}: "), lines
        assert message in lines[0]


@pytest.mark.parametrize(
    ("command", "rate"),
    [
        (("describe", str(SAMPLE_IMAGE)), "5"),
        (("describe", str(SAMPLE_IMAGE)), "0.2"),
        (("describe", str(SAMPLE_IMAGE)), "fast"),
        (("read", str(SAMPLE_IMAGE)), "3.5"),
        (("ask", str(SAMPLE_IMAGE), "--question", "where is the cup?"), "0"),
        (("chat", str(SAMPLE_IMAGE)), "10"),
        (("watch", str(SAMPLE_IMAGE)), "0.4"),
        (("serve",), "4"),
        (("config", "show"), "fast"),
    ],
)
def test_a_bad_rate_is_one_line_and_exit_2(tmp_path, command, rate):
    result = run_cli(*command, "--rate", rate, env={"ECHOLLAMA_HOME": str(tmp_path)}, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "echollama: error: --rate must be "
        + ("a number " if rate == "fast" else "")
        + f"from 0.5 to 3.0 (1.0 is the voice's own pace){'' if rate == 'fast' else f', not {rate}'}"
    ]
