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
from echollama.types import Camera, Detection, Scene, TextRegion

_EXAMPLES = """examples:
  echollama check photo.jpg --text "A dog sleeps on your left. It looks like a cosy kitchen."
  echollama describe photo.jpg --json > photo.json
  echollama check --scene photo.json --text "There are three chairs."
  my-model --describe photo.jpg | echollama check --scene photo.json --json

Sentences come from --text or standard input (one or more per line). Positions, distances, counts, clock hours,
nearness, certainty and absence are said only by code: a sentence making any of them is dropped, and so is one
naming an object the scene does not hold, a thing perception cannot know (stairs, doors, kerbs), the listener, or
our models. Exit codes: 0 judged (whatever the verdicts), 2 bad input (unreadable image, bad scene JSON)."""
# Where a line holds more than one sentence: after . ! ? (and any closing quote or bracket), before a space.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+")


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
    from echollama.language.gate import check_sentence

    if bool(args.image) == bool(args.scene):
        raise InputError("give either IMAGE or --scene SCENE.json (one of them)")
    scene = read_scene(Path(args.scene)) if args.scene else _perceive(args)
    text = args.text if args.text is not None else sys.stdin.read()
    results: list[dict[str, Any]] = []
    for sentence in sentences(text):
        verdict = check_sentence(sentence, scene)
        results.append(
            {
                "sentence": sentence,
                "spoken": verdict.spoken,
                "said": verdict.text if verdict.spoken else None,
                "reasons": list(verdict.reasons),
            }
        )
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


def sentences(text: str) -> list[str]:
    """The sentences of `text`, verbatim: one or more per line."""
    return [s.strip() for line in text.splitlines() for s in _SENTENCE_END.split(line) if s.strip()]


def _perceive(args: argparse.Namespace) -> Scene:
    from echollama.pipeline import Pipeline

    pipeline = Pipeline(pipeline_config(args), status=status if not args.quiet else None)
    return pipeline.look(args.image).scene()


def read_scene(path: Path) -> Scene:
    """The scene saved in `path`: a whole `describe --json` output or its `scene` object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"cannot read the scene file {path}: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not JSON: {error}") from None
    try:
        return scene_from_dict(data.get("scene", data) if isinstance(data, dict) else data)
    except (KeyError, TypeError, ValueError) as error:
        why = f"missing {error}" if isinstance(error, KeyError) else str(error)
        raise InputError(f"{path} is not a scene (`describe --json` output or its `scene` object): {why}") from None


def scene_from_dict(data: Any) -> Scene:
    """A Scene from its JSON form (`Scene.to_dict`); raises KeyError, TypeError or ValueError on anything else."""
    if not isinstance(data, dict):
        raise TypeError("a scene is a JSON object")
    camera = data.get("camera")
    return Scene(
        width=int(data["width"]),
        height=int(data["height"]),
        detections=[_detection(d) for d in data["detections"]],
        caption=str(data.get("caption", "")),
        depth_unit=str(data["depth_unit"]),
        camera=Camera(**camera) if camera else None,
        source=str(data.get("source", "")),
        matrix=str(data.get("matrix", "")),
        text=[TextRegion(**{**t, "box": tuple(t["box"])}) for t in data.get("text", [])],
    )


def _detection(data: Any) -> Detection:
    if not isinstance(data, dict):
        raise TypeError("each detection is a JSON object")
    return Detection(**{**data, "box": tuple(data["box"])})
