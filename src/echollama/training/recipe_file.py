"""Training recipes: a dataclass whose defaults a YAML file replaces and whose fields CLI flags override.

Every field becomes a `--field-name` flag with the field's help text, so a recipe's knobs are declared exactly once.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from pathlib import Path

from echollama.errors import EchollamaError


def _base_type(hint) -> type:
    """int for `int | None`, list for `list[str]`, and so on."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin is list:
        return list
    if args and origin is not None and origin is not list:
        return _base_type(args[0])
    return hint


def add_recipe_flags(parser: argparse.ArgumentParser, recipe_class) -> None:
    """One flag per field; every flag defaults to None, meaning 'keep the YAML's value'."""
    group = parser.add_argument_group("recipe overrides (each defaults to the --config file's value)")
    hints = typing.get_type_hints(recipe_class)
    for item in dataclasses.fields(recipe_class):
        kind = _base_type(hints[item.name])
        flag = "--" + item.name.replace("_", "-")
        metavar = item.name.upper()
        help_text = item.metadata.get("help", "")
        if kind is bool:
            group.add_argument(flag, dest=f"recipe_{item.name}", action=argparse.BooleanOptionalAction, help=help_text)
        elif kind is list:
            group.add_argument(
                flag,
                dest=f"recipe_{item.name}",
                type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
                metavar="A,B",
                help=help_text,
            )
        else:
            group.add_argument(flag, dest=f"recipe_{item.name}", type=kind, metavar=metavar, help=help_text)


def flag_overrides(args: argparse.Namespace) -> dict:
    return {k.removeprefix("recipe_"): v for k, v in vars(args).items() if k.startswith("recipe_") and v is not None}


def load_recipe(recipe_class, path: Path | None, overrides: dict | None = None):
    """The recipe from `path` (YAML mapping of field -> value) with `overrides` on top; EchollamaError when invalid."""
    values: dict = {}
    if path is not None:
        try:
            import yaml
        except ImportError:
            from echollama.errors import missing_extra

            raise missing_extra("pyyaml", "train") from None
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise EchollamaError(f"cannot read the recipe {path}: {error.strerror}") from None
        except yaml.YAMLError as error:
            raise EchollamaError(f"{path} is not valid YAML: {error}") from None
        if not isinstance(loaded, dict):
            raise EchollamaError(f"{path} must be a mapping of recipe fields to values")
        values.update(loaded)
    values.update(overrides or {})
    known = {f.name for f in dataclasses.fields(recipe_class)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise EchollamaError(
            f"unknown recipe field(s) {', '.join(unknown)}{f' in {path}' if path else ''}; "
            f"known: {', '.join(sorted(known))}"
        )
    try:
        return recipe_class(**values)
    except (TypeError, ValueError) as error:
        raise EchollamaError(f"invalid recipe{f' {path}' if path else ''}: {error}") from None
