"""`echollama eval`: the command-line face of echollama.evaluation.run (one report per run)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from echollama.cli.options import add_pipeline_options, pipeline_config
from echollama.config import DETAIL_LEVELS
from echollama.models.gguf import LLM_MODELS


def register(commands) -> None:
    parser = commands.add_parser(
        "eval",
        help="measure correctness: detection, depth, grounding and hallucination per LLM, latency",
        description="Runs the pipeline on the hand-labelled images (or your --images folder) and writes "
        "OUT/report.json and OUT/index.html with pictures. Offline, a few minutes.",
        epilog="example: echollama eval --compare 0.5b,1.5b --out report/",
    )
    parser.add_argument("--images", type=Path, help="a folder of your own photos (label-free metrics only)")
    parser.add_argument("--out", type=Path, default=Path("report"), help="report folder (default %(default)s)")
    parser.add_argument(
        "--compare",
        help=f"comma-separated LLMs to evaluate side by side: {', '.join(LLM_MODELS)} "
        "or paths to GGUF files (e.g. a DPO-trained export)",
    )
    parser.add_argument(
        "--no-speech", action="store_true", help="skip the speech round trip and the spoken question set (faster)"
    )
    parser.add_argument(
        "--photos",
        metavar="NAMES",
        help="only these labelled photos, comma-separated (a quick check; the figures come from the whole set)",
    )
    parser.add_argument(
        "--prompt",
        choices=["grounded", "paper"],
        help="evaluate only this prompt variant (default: both, side by side)",
    )
    parser.add_argument(
        "--detail",
        choices=DETAIL_LEVELS,
        default="brief",
        help="the descriptions' detail level (default %(default)s); the report counts the LLM's sentences spoken and "
        "dropped at it, and how many descriptions kept at least one",
    )
    parser.add_argument("--json", action="store_true", help="print the headline figures as JSON")
    add_pipeline_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = pipeline_config(args)
    from echollama.errors import EchollamaError
    from echollama.evaluation.html_report import HEADLINE_COLUMNS, headline_rows
    from echollama.evaluation.run import run_eval

    llms = (
        [name.strip() for name in args.compare.split(",")]
        if args.compare
        else ["custom" if args.llm_path else args.llm]
    )
    unknown = [name for name in llms if name not in LLM_MODELS and name != "custom" and not Path(name).is_file()]
    if unknown:
        raise EchollamaError(
            f"--compare: unknown LLM {', '.join(unknown)}; choose from {', '.join(LLM_MODELS)} or give a GGUF path"
        )
    if args.images is not None and not args.images.is_dir():
        raise EchollamaError(f"{args.images}: not a folder of images")
    try:
        photos = [name.strip() for name in args.photos.split(",")] if args.photos else None
        result = run_eval(
            config, llms, args.images, args.out, speech=not args.no_speech, photos=photos, detail=args.detail
        )
    except ValueError as error:
        raise EchollamaError(str(error)) from None
    rows = headline_rows(result)
    if args.json:
        print(json.dumps([dict(zip(HEADLINE_COLUMNS, row)) for row in rows], indent=2))
    else:
        widths = [max(len(str(x)) for x in column) for column in zip(HEADLINE_COLUMNS, *rows)]
        for row in [HEADLINE_COLUMNS, *rows]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
        for key, llm in result["llms"].items():
            print(_llm_sentence_line(key, llm))
            if llm.get("relations"):
                from echollama.evaluation.relation_eval import relation_line

                print(relation_line(key, llm["relations"]))
        if result.get("colour"):
            from echollama.evaluation.colour_eval import colour_line

            print(colour_line(result["colour"]))
        if result.get("fine_names"):
            from echollama.evaluation.fine_name_eval import summary_line

            print(summary_line(result["fine_names"]))
        if result.get("relations_computed"):
            from echollama.evaluation.relation_eval import computed_relation_line

            print(computed_relation_line(result["relations_computed"]))
        print(f"\nreport: {args.out / 'index.html'}")
    return 0


def _llm_sentence_line(key: str, llm: dict) -> str:
    """What the gate let through of the LLM's sentences, in one line per run."""
    tally = llm["llm_sentences"]
    share = tally["descriptions_with_a_kept_sentence"]
    reasons = ", ".join(f"{reason} {count}" for reason, count in tally["dropped_reasons"].items()) or "none"
    kept = "-" if share is None else f"{share:.0%}"
    return (
        f"{key} ({llm['detail']}): LLM sentences spoken {tally['spoken']}, dropped {tally['dropped']}; "
        f"descriptions with a kept LLM sentence {kept}; dropped for: {reasons}"
    )
