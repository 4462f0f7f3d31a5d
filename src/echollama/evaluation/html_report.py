"""The evaluation report as one self-contained HTML page (pictures beside it in images/), readable by screen readers."""

from __future__ import annotations

from html import escape
from pathlib import Path


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th scope='col'>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def headline_rows(result: dict) -> list[list]:
    depth = result.get("depth") or {}
    rows = []
    for key, llm in result["llms"].items():
        grounding = llm["grounding"]
        latency = llm["latency_median"]
        speech = llm.get("speech") or {}
        rows.append([key, llm["llm"], _pct(grounding["agreement"]), grounding["spatial_claims"],
                     _pct(grounding["hallucination_rate"]),
                     "n/a" if depth.get("mean_abs_error_pct") is None else f"{depth['mean_abs_error_pct']:.0f}%",
                     _pct(speech.get("round_trip_wer")), _pct((llm.get("questions") or {}).get("accuracy")),
                     f"{latency.get('first_audio_s', 0):.2f} s"])
    return rows


HEADLINE_COLUMNS = ["LLM", "model", "spatial claims agreeing", "claims", "invented objects", "depth error",
                    "speech round-trip WER", "spoken questions right", "time to first audio"]


def write_html(result: dict, path: Path) -> Path:
    detection = result["detection"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>echollama evaluation</title>",
        "<style>body{font-family:sans-serif;max-width:70rem;margin:auto;padding:1rem;line-height:1.4}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.3rem .6rem}"
        "img{max-width:100%;height:auto}</style></head><body><main>",
        "<h1>echollama evaluation</h1><h2>Headline</h2>",
        _table(HEADLINE_COLUMNS, headline_rows(result)),
        "<img src='images/grounding.png' alt='Bar chart: share of spatial claims that agree with the scene and share "
        "of invented objects, per language model.'>",
        "<h2>Detection</h2>",
        f"<p>Threshold {detection['threshold']}: precision {_pct(detection['precision'])}, recall "
        f"{_pct(detection['recall'])}, mean IoU of matches {detection['mean_iou_of_matches'] or 'n/a'}.</p>",
        _table(["image", "precision", "recall", "TP", "FP", "FN", "found"],
               [[n, _pct(v["precision"]), _pct(v["recall"]), v["tp"], v["fp"], v["fn"], ", ".join(v["found"])]
                for n, v in detection["per_image"].items()]),
    ]
    phrases = result.get("asr_phrases")
    if phrases:
        parts += ["<h2>Speech recognition on fixed phrases (Piper voice)</h2>",
                  _table(["recogniser", "WER", "real-time factor"],
                         [[name, _pct(r["wer"]), f"{r['rtf']:.2f}"] for name, r in phrases.items()])]
    depth = result.get("depth")
    if depth:
        parts += ["<h2>Depth (Middlebury motorcycle, stereo ground truth)</h2>",
                  _table(["object", "estimated (m)", "true (m)", "error (m)", "error (%)"],
                         [[o["label"], o["estimated_m"], o["true_m"], o["error_m"], o["error_pct"]] for o in depth["objects"]])]
    for key, llm in result["llms"].items():
        parts.append(f"<h2>{escape(llm['llm'])}</h2>")
        questions = llm.get("questions")
        if questions:
            parts.append(_table(["image", "question", "heard", "answer", "right"],
                                [[r["image"], r["question"], r["heard"], r["answer"], "yes" if r["correct"] else "no"]
                                 for r in questions["rows"]]))
        parts.append(f"<img src='{escape(llm['waterfall'])}' alt='Latency waterfall for {escape(llm['llm'])}: "
                     f"first audio after {llm['latency_median'].get('first_audio_s', 0):.2f} seconds.'>")
        for name, item in llm["per_image"].items():
            wrong = [c for c in item["claims"] if c["agrees"] is False]
            parts.append(
                f"<h3>{escape(name)}</h3><img src='images/{escape(name)}.png' alt='{escape(name)} with detected boxes, "
                f"the 2 by 3 grid and distances.' width='480'><p>{escape(item['answer'])}</p>"
                f"<audio controls src='{escape(item['audio'])}'></audio>"
                f"<p>Spatial agreement {_pct(item['agreement'])}; invented: {escape(', '.join(item['hallucinated']) or 'none')}; "
                f"disagreeing claims: {escape('; '.join(c['kind'] + ' ' + c['label'] + ': ' + str(c['value']) for c in wrong) or 'none')}</p>")
    parts.append("</main></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
