"""`echollama bench describe|fresh|detector|conversation|text|watch|rate|heldout`: measured figures printed as tables; nothing is asserted."""

from __future__ import annotations

import argparse

from echollama.cli.options import add_pipeline_options, pipeline_config


def register(commands) -> None:
    bench = commands.add_parser(
        "bench",
        help="measure: stage times, time to first audio, tokens/s, memory",
        description="Benchmarks print tables of measured figures; nothing is asserted.",
    )
    bench.add_argument(
        "target",
        choices=["describe", "fresh", "detector", "conversation", "text", "watch", "rate", "heldout"],
        help="describe: streaming vs non-streaming time to first audio per stage; "
        "fresh: a new `echollama describe` process per run, its start to its first audio, per variant; "
        "detector: YOLOv5s vs SSD, whole and sliced: precision/recall per threshold and ms per labelled image; "
        "conversation: spoken follow-ups with vs without the prefix cache, ASR speed and WER; "
        "text: perception with vs without the text stage, and its memory; "
        "watch: live narration's frames per second, change-to-audio latency, CPU and memory over --minutes; "
        "rate: our speech at several rates heard back by Whisper: real speed-up, word error rate, median pitch; "
        "heldout: the default perception on the held-out photos and the labelled set, the sure-word guard on and off: "
        "box precision/recall, sure words invented, what the brief opening gives a listener, settings, fine names, "
        "colours (right, said for clear-colour objects), bands",
    )
    bench.add_argument("--runs", type=int, default=3, help="runs per image and mode (default %(default)s)")
    bench.add_argument("--images", nargs="*", help="image files (default: the bundled labelled images)")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument(
        "--minutes", type=float, default=5.0, help="watch: length of the real-time session (default %(default)s)"
    )
    bench.add_argument(
        "--set", choices=["labelled", "heldout"], help="heldout: only this photo set (default: both, side by side)"
    )
    bench.add_argument("--rates", metavar="R,R,...", help="rate: the speech rates compared (default 1,1.5,2,2.5,3)")

    add_pipeline_options(bench)
    bench.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from echollama.evaluation import bench_describe

    if args.target == "watch":
        from echollama.evaluation.bench_watch import run as bench_watch

        return bench_watch(args, pipeline_config(args))
    if args.target == "rate":
        from echollama.evaluation.bench_rate import bench_rate

        return bench_rate(args, pipeline_config(args))
    if args.target == "heldout":
        from echollama.evaluation.bench_heldout import bench_heldout

        return bench_heldout(args, pipeline_config(args))
    if args.target == "text":
        from echollama.evaluation.bench_text import bench_text

        return bench_text(args, pipeline_config(args))
    return bench_describe.run(
        args, pipeline_config(args) if args.target in ("describe", "fresh", "conversation") else None
    )
