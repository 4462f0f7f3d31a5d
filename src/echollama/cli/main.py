"""The `echollama` command: describe a photo aloud, talk about it, serve the web page, train and measure.

Examples:
  echollama describe photo.jpg                  # print a description, speak it into description.wav
  echollama read letter.jpg                     # read all the text aloud, in reading order, into text.wav
  echollama ask photo.jpg --question "where is the cat?"
  echollama check photo.jpg --text "A dog sleeps on your left."   # would an LLM sentence be spoken? why not?
  echollama chat photo.jpg                      # typed or spoken follow-up questions
  echollama watch 0                             # narrate a camera live: what appears, comes closer, leaves
  echollama serve                               # the web page and HTTP API on http://127.0.0.1:8000/
  echollama bench describe --runs 3             # stage times, time to first audio, memory
  echollama eval --compare 0.5b,1.5b            # correctness report
  echollama models verify                       # re-hash every model file
  echollama config show                         # the defaults from config.toml (rate, detail, ...) and their source

Exit codes: 0 done, 2 bad input, 3 bad output path, 4 model problem, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM), 129 hung up (SIGHUP).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys

from echollama import __version__
from echollama.cli.options import keep_terminal, terminal
from echollama.errors import EchollamaError

# One module per command (or command group), each with `register(commands)` setting `run` on its parsers.
COMMANDS = (
    "describe",
    "read",
    "ask",
    "chat",
    "check",
    "watch",
    "serve",
    "models",
    "bench",
    "eval",
    "dataset",
    "train",
    "config",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="echollama",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"echollama {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"echollama.cli.{name}").register(commands)
    from echollama.cli.config_file import apply_config, read_config

    apply_config(commands, read_config())  # the config file's defaults; a bad file is one line and exit 2
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C, so every cleanup that Ctrl-C runs runs for them."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # we never fetch from a hub implicitly
    keep_terminal()
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:  # an ignored SIGHUP (nohup) stays so
            signal.signal(signum, _terminate)
    try:
        args = build_parser().parse_args(argv)  # inside: Ctrl-C while the commands import is a clean stop too
        return args.run(args)
    except EchollamaError as error:
        print(f"echollama: error: {error}", file=terminal("stderr"))
        return error.exit_code
    except KeyboardInterrupt as interrupt:
        from echollama.output_files import remove_partials

        remove_partials()  # a signal can land between creating a partial file and the `try` that would remove it
        signum = interrupt.signum if isinstance(interrupt, Terminated) else int(signal.SIGINT)
        why = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        print(f"\nechollama: {why}; no partial output was kept", file=terminal("stderr"))  # a model may be loading
        return 128 + signum
    except BrokenPipeError:
        return 0


def entry() -> None:
    """The `echollama` program. A stopped command leaves at once: models still loading on worker threads (onnxruntime,
    llama.cpp) crash the interpreter's normal shutdown, so after our own cleanup the process ends without it."""
    code = main()
    if code >= 128:
        for stream in (terminal("stdout"), terminal("stderr")):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
