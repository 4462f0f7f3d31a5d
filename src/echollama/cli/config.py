"""`echollama config show`: the settings every command starts from, and where each came from (cli/config_file.py)."""

from __future__ import annotations

import argparse
import json

from echollama.cli.config_file import add_setting_flags, config_path, effective_settings, read_config


def register(commands) -> None:
    config = commands.add_parser(
        "config",
        help="show the defaults from the config file (speech rate, detail, spatial sound, ...) and where each comes from",
        description=f"The commands' defaults by habit live in {config_path()} ($ECHOLLAMA_HOME/config.toml when "
        "ECHOLLAMA_HOME is set, else $XDG_CONFIG_HOME/echollama/config.toml), one `key = value` a line, e.g. "
        'rate = 2.0, detail = "normal", spatial = true, text = false. Flags override it.',
        epilog="example: echollama config show --rate 1.5   # what a command given --rate 1.5 would use",
    )
    actions = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print the effective settings and where each came from")
    show.add_argument("--json", action="store_true", help="print them as JSON")
    add_setting_flags(show)
    show.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from echollama.cli.options import speech_rate

    if "rate" in vars(args):
        args.rate = speech_rate(args)  # a flag is checked as any command would check it
    path = config_path()
    rows = effective_settings(args, read_config(path))
    if args.json:
        print(
            json.dumps(
                {
                    "file": str(path),
                    "exists": path.is_file(),
                    "settings": {k: {"value": v, "from": f} for k, v, f in rows},
                },
                indent=2,
            )
        )
        return 0
    print(f"config file: {path} ({'read' if path.is_file() else 'not found: built-in defaults'})")
    width = max(len(key) for key, _, _ in rows)
    for key, value, source in rows:
        shown = json.dumps(value)
        print(f"{key:<{width}} = {shown:<10} # {source}")
    return 0
