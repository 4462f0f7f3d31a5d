"""The evaluation report as one self-contained HTML page (pictures beside it in images/), rendered from a Jinja2
template (templates/report.html.j2) that keeps it readable by screen readers: headings, alt text, headed tables."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from echollama.evaluation.listener import targets_met


def pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def seconds(value) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


HEADLINE_COLUMNS = [
    "LLM",
    "model",
    "invented objects",
    "descriptions inventing",
    "absent objects named",
    "positions right",
    "must-see named",
    "must-see placed",
    "readouts per description",
    "speech (median)",
    "spatial claims agreeing",
    "claims",
    "depth error",
    "speech round-trip WER",
    "questions right (scene)",
    "questions right (LLM)",
    "first audio (models loaded)",
    "first audio (fresh process)",
]


def headline_rows(result: dict) -> list[list]:
    """One row per LLM (and prompt variant): what a listener hears first, then the detector-relative figures."""
    depth = result.get("depth") or {}
    rows = []
    for key, llm in result["llms"].items():
        grounding = llm["grounding"]
        heard = llm.get("listener") or {}
        speech = llm.get("speech") or {}
        by_answerer = (llm.get("questions") or {}).get("by_answerer") or {}
        # Against the hand labels where there are some; a folder of the user's photos falls back to the detector's.
        invented = heard["chair_i"] if heard else grounding["hallucination_rate"]
        readouts = heard.get("readouts_per_description")
        rows.append(
            [
                key,
                llm["llm"],
                pct(invented),
                pct(heard.get("chair_s")),
                heard.get("absent_named", "n/a"),
                pct(heard.get("positions_right")),
                pct(heard.get("must_see_named")),
                pct(heard.get("must_see_positioned")),
                "n/a" if readouts is None else f"{readouts:.1f}",
                seconds(heard.get("speech_s_median")),
                pct(grounding["agreement"]),
                grounding["spatial_claims"],
                "n/a" if depth.get("mean_abs_error_pct") is None else f"{depth['mean_abs_error_pct']:.0f}%",
                pct(speech.get("round_trip_wer")),
                pct((by_answerer.get("scene") or {}).get("accuracy")),
                pct((by_answerer.get("llm") or {}).get("accuracy")),
                f"{llm['latency_median'].get('first_audio_s', 0):.2f} s",
                seconds(llm.get("fresh_process_first_audio_s")),
            ]
        )
    return rows


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("echollama", "evaluation/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(pct=pct, seconds=seconds, targets_met=targets_met)
    return environment


def write_html(result: dict, path: Path) -> Path:
    html = (
        _environment()
        .get_template("report.html.j2")
        .render(
            result=result,
            headline_columns=HEADLINE_COLUMNS,
            headline_rows=headline_rows(result),
            heard_llms=[(key, llm) for key, llm in result["llms"].items() if llm.get("listener")],
        )
    )
    path.write_text(html, encoding="utf-8")
    return path
