"""The CLI's defaults by habit: `config.toml` in $ECHOLLAMA_HOME when that is set, else in the XDG config folder
($XDG_CONFIG_HOME/echollama, ~/.config/echollama by default). Flags override it; `echollama config show` prints the
effective settings and where each came from. A bad file stops every command with one line (exit 2): a default that
silently did not apply would be worse.

    rate = 2.0
    detail = "normal"
    spatial = true
"""

from __future__ import annotations

import argparse
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from echollama.config import DEFAULT_DETECTOR, DEFAULT_LLM, DETAIL_LEVELS, DETECTORS, PROFILES
from echollama.errors import InputError
from echollama.speech.rate import DEFAULT_RATE, check_rate


@dataclass(frozen=True)
class Setting:
    """One key of the file: its argparse destination and flag, its built-in default and what values it takes."""

    key: str
    dest: str
    flag: str
    default: Any
    choices: tuple[str, ...] = ()  # a string from these; else a bool (default is a bool) or the rate (a float)
    inverted: bool = False  # the key says "on" where the flag says "off" (text = false is --no-text)

    def check(self, value: Any) -> Any:
        """The value as the file gives it, checked; ValueError says what it must be."""
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"must be one of {', '.join(repr(c) for c in self.choices)}")
            return value
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise ValueError("must be true or false")
            return value
        return check_rate(value, "the speech rate")

    def as_argument(self, value: Any) -> Any:
        return (not value) if self.inverted else value


def _settings() -> tuple[Setting, ...]:
    from echollama.models.gguf import LLM_MODELS
    from echollama.profiles import ASR_BACKENDS, DEFAULT_ASR

    return (
        Setting("rate", "rate", "--rate", DEFAULT_RATE),
        Setting("detail", "detail", "--detail", "brief", DETAIL_LEVELS),
        Setting("spatial", "spatial", "--spatial", False),
        Setting("text", "no_text", "--no-text", True, inverted=True),
        Setting("slices", "slices", "--slices", False),
        Setting("detector", "detector", "--detector", DEFAULT_DETECTOR, DETECTORS),
        Setting("profile", "profile", "--profile", "embedded", PROFILES),
        Setting("llm", "llm", "--llm", DEFAULT_LLM, tuple(LLM_MODELS)),
        Setting("asr", "asr", "--asr", DEFAULT_ASR, ASR_BACKENDS),
    )


def config_path() -> Path:
    home = os.environ.get("ECHOLLAMA_HOME")
    if home:
        return Path(home).expanduser() / "config.toml"
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg).expanduser() / "echollama" / "config.toml"


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The file's settings, checked ({} when there is no file); InputError (one line, exit 2) when it is bad."""
    path = path or config_path()
    try:
        with open(path, "rb") as file:
            values = tomllib.load(file)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML ({error}); fix or remove the file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error})") from None
    known = {setting.key: setting for setting in _settings()}
    checked = {}
    for key, value in values.items():
        if key not in known:
            raise InputError(f"{path}: unknown setting {key!r}; the settings are {', '.join(known)}")
        try:
            checked[key] = known[key].check(value)
        except ValueError as error:
            raise InputError(f"{path}: {key} = {value!r}: {error}") from None
    return checked


def apply_config(commands: argparse._SubParsersAction, values: dict[str, Any]) -> None:
    """Make the file's values the defaults of every command that has the option (flags still override them)."""
    settings = [setting for setting in _settings() if setting.key in values]
    for parser in {id(p): p for p in commands.choices.values()}.values():
        dests = {action.dest for action in parser._actions}
        parser.set_defaults(
            **{s.dest: s.as_argument(values[s.key]) for s in settings if s.dest in dests},
        )


def effective_settings(args: argparse.Namespace, values: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(key, value, where it came from) for each setting: a flag given to `config show`, the file, or built in."""
    path = config_path()
    rows = []
    for setting in _settings():
        if setting.dest in vars(args):
            rows.append((setting.key, setting.as_argument(getattr(args, setting.dest)), f"flag {setting.flag}"))
        elif setting.key in values:
            rows.append((setting.key, values[setting.key], f"config file {path}"))
        else:
            rows.append((setting.key, setting.default, "built-in default"))
    return rows


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Every setting's flag, to show how it would override the file (absent from the namespace unless given)."""
    for setting in _settings():
        if setting.choices:
            parser.add_argument(setting.flag, dest=setting.dest, choices=setting.choices, default=argparse.SUPPRESS)
        elif isinstance(setting.default, bool):
            parser.add_argument(setting.flag, dest=setting.dest, action="store_true", default=argparse.SUPPRESS)
        else:
            parser.add_argument(setting.flag, dest=setting.dest, default=argparse.SUPPRESS)  # checked by run
