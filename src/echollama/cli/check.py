"""`echollama check (IMAGE | --scene SCENE.json) [--text TEXT]`: the gate between the LLM and the voice, as a command.

Judges sentences (another model's words, our own tests') against a scene exactly as a description's LLM sentences
are judged before they are spoken (language/gate.py), and says for each whether it would be spoken and why not.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from echollama.cli.options import add_pipeline_options, pipeline_config, status
from echollama.errors import InputError
from echollama.types import Scene

_EXAMPLES = """examples:
  echollama check photo.jpg --text "A dog sleeps on your left. It looks like a cosy kitchen."
  echollama describe photo.jpg --json > photo.json
  echollama check --scene photo.json --text "There are three chairs."
  my-model --describe photo.jpg | echollama check --scene photo.json --json

Sentences come from --text or standard input (one or more per line). Positions, distances, counts, clock hours,
nearness, certainty and absence are said only by code: a sentence making any of them is dropped, and so is one
naming an object the scene does not hold, a thing perception cannot know (stairs, doors, kerbs), the listener, or
our models. Exit codes: 0 judged (whatever the verdicts), 2 bad input (unreadable image, bad scene JSON)."""


def register(commands) -> None:
    check = commands.add_parser(
        "check",
        help="judge sentences against a photo's scene as the voice's gate does: spoken or dropped, and why",
        description="Judge each sentence against the scene of IMAGE (perceived now) or of --scene (a saved "
        "`describe --json` output or its `scene` object), as an LLM sentence is judged before it is spoken. "
        "Prints each sentence with its verdict; --json prints them as one object.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("image", nargs="?", help="the photo to perceive (or give --scene instead)")
    check.add_argument("--scene", metavar="SCENE.json", help="a saved scene: `describe --json` output or its scene")
    check.add_argument("--text", help="the sentences to judge (default: read standard input)")
    check.add_argument(
        "--json",
        action="store_true",
        help='print {"sentences": [{"sentence", "spoken", "said", "reasons"}]}',
    )
    check.add_argument("-q", "--quiet", action="store_true", help="no status lines on stderr")
    add_pipeline_options(check)
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if bool(args.image) == bool(args.scene):
        raise InputError("give either IMAGE or --scene SCENE.json (one of them)")
    scene = read_scene(Path(args.scene)) if args.scene else _perceive(args)
    text = args.text if args.text is not None else sys.stdin.read()
    results = judged(sentences(text), scene)
    if args.json:
        print(json.dumps({"sentences": results}, indent=2, ensure_ascii=False))
        return 0
    for result in results:
        if not result["spoken"]:
            print(f"dropped: {result['sentence']}  ({'; '.join(result['reasons'])})")
        elif result["said"] != result["sentence"]:
            print(f"repaired: {result['sentence']}  ->  {result['said']}")
        else:
            print(f"spoken: {result['sentence']}")
    return 0


def judged(texts: list[str], scene: Scene) -> list[dict[str, Any]]:
    """Each sentence as the voice judges an LLM sentence: the drop rules (what was said before it included), then
    the gate; the same `judge` a description uses."""
    from echollama.language.drop_rules import SaidSoFar, judge

    results: list[dict[str, Any]] = []
    spoken: list[str] = []
    for sentence in texts:
        judgement = judge(sentence, SaidSoFar(scene, " ".join(spoken)))
        if judgement.spoken is not None:
            spoken.append(judgement.spoken)
        report = judgement.report or {}
        results.append(
            {
                "sentence": sentence,
                "spoken": judgement.spoken is not None,
                "said": judgement.spoken,
                "reasons": list(report.get("reasons", [])),
            }
        )
    return results


def sentences(text: str) -> list[str]:
    """The sentences of `text`, one or more per line, cut where the voice cuts them, each as it was written."""
    from echollama.speech.sentences import split_sentences

    found = []
    for line in text.splitlines():
        at = 0
        for sentence in split_sentences([line], first_clause=False):
            # The voice folds white space; the sentence is reported as written, so find its words in the line.
            written = re.compile(r"\s+".join(map(re.escape, sentence.split()))).search(line, at)
            if written is None:
                found.append(sentence)
                continue
            found.append(written.group(0))
            at = written.end()
    return [sentence for sentence in found if sentence.strip()]


def _perceive(args: argparse.Namespace) -> Scene:
    """The photo's scene, its text read: perception only (neither the voice nor the LLM is loaded)."""
    from echollama.profiles import build_profile
    from echollama.scene.image import load_image

    if not args.quiet:
        status("perceiving the photo")
    return build_profile(pipeline_config(args)).analyzer.analyze(load_image(args.image))


def read_scene(path: Path) -> Scene:
    """The scene saved in `path`: a whole `describe --json` output or its `scene` object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"cannot read the scene file {path}: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not JSON: {error}") from None
    try:
        return Scene.from_dict(data.get("scene", data) if isinstance(data, dict) else data)
    except (KeyError, TypeError, ValueError) as error:
        why = f"missing {error}" if isinstance(error, KeyError) else str(error)
        raise InputError(f"{path} is not a scene (`describe --json` output or its `scene` object): {why}") from None
