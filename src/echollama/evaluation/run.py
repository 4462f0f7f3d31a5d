"""`echollama eval`: one command, one report — detection, depth, and per LLM (and per describe-prompt variant where
the build has them) what a listener hears, grounding, latency, speech and spoken questions.

Everything is computed on the bundled hand-labelled photos (or a folder of the user's own photos, which get the
label-free metrics only) and written to OUT/report.json and OUT/index.html with pictures.
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.evaluation.depth_eval import evaluate_depth
from echollama.evaluation.detection import MatchCounts, iou, match
from echollama.evaluation.labelled_set import labelled_images
from echollama.evaluation.listener import score_description, summarise_listener, wav_seconds
from echollama.evaluation.plots import draw_scene, grounding_bars, latency_waterfall
from echollama.evaluation.relation_eval import judge_relations, summarise_relations
from echollama.language.claims import check_text, summarise
from echollama.models.gguf import LLM_MODELS
from echollama.scene.image import LoadedImage, load_image

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


def _progress(message: str) -> None:
    print(f"echollama: eval: {message}", file=sys.stderr, flush=True)


def evaluation_images(
    folder: Path | None, photos: list[str] | None = None
) -> list[tuple[str, LoadedImage, list | None]]:
    """(name, image, hand labels or None) for the labelled set (or its named `photos`) or every image in `folder`."""
    if folder is None:
        items = labelled_images()
        unknown = sorted(set(photos or ()) - {item.name for item in items})
        if unknown:
            raise ValueError(f"no labelled photo named {', '.join(unknown)}")
        chosen = [item for item in items if photos is None or item.name in photos]
        return [(item.name, item.load(), [(o.label, o.box) for o in item.objects]) for item in chosen]
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
    return [(p.stem, load_image(p), None) for p in files]


def evaluate_detection(analyzer, images, scenes: dict | None = None) -> dict:
    """Detection figures; `scenes`, when given, collects each labelled photo's Scene (for the colour figures)."""
    per_image, total, ious = {}, MatchCounts(), []
    for name, image, truth in images:
        if truth is None:
            continue
        scene = analyzer.analyze(image)
        if scenes is not None:
            scenes[name] = scene
        counts = match(scene.detections, truth)
        total = total + counts
        best = [
            max((iou(d.box, box) for d in scene.detections if d.label == label), default=0.0) for label, box in truth
        ]
        ious += [b for b in best if b >= 0.5]
        per_image[name] = {
            "precision": counts.precision,
            "recall": counts.recall,
            "tp": counts.true_positives,
            "fp": counts.false_positives,
            "fn": counts.false_negatives,
            "found": [f"{d.label} {d.score:.2f}" for d in scene.detections],
        }
    return {
        "per_image": per_image,
        "precision": total.precision,
        "recall": total.recall,
        "f1": total.f1,
        "mean_iou_of_matches": statistics.mean(ious) if ious else None,
        "threshold": analyzer.threshold,
    }


def evaluate_llm(
    config: PipelineConfig, key: str, images, out: Path, speech: bool, labelled: bool, detail: str = "brief"
) -> dict:
    from echollama.evaluation.llm_sentences import llm_sentences, summarise_llm_sentences
    from echollama.evaluation.spoken_eval import description_round_trip, spoken_questions
    from echollama.pipeline import Pipeline

    pipeline = Pipeline(config)
    _progress(f"loading {pipeline.llm.name}")
    pipeline.wait_loaded()
    truth = {item.name: item for item in labelled_images()} if labelled else {}
    reports, heard, per_image, latency, spoken, from_llm = [], [], {}, [], [], []
    relations: dict = {}  # photo -> the relation claims said in its description, judged against the labels
    for name, image, _ in images:
        _progress(f"{pipeline.llm.name}: describing {name}")
        wav = out / "audio" / f"{key.replace('/', '-')}-{name}.wav"
        description = pipeline.describe(image, wav, detail=detail)
        report = check_text(description.text, description.scene)
        reports.append(report)
        per_image[name] = {
            "answer": description.text,
            "audio": str(wav.relative_to(out)),
            **report.to_dict(),
            "timings": description.timings,
            "llm_sentences": llm_sentences(description.answer),
        }
        from_llm.append(per_image[name]["llm_sentences"])
        if name in truth:  # judged against what a person saw, not against the detector
            listener = score_description(description.text, truth[name], wav_seconds(wav))
            heard.append(listener)
            per_image[name]["listener"] = listener.to_dict()
            relations[name] = judge_relations(description.text, description.scene, truth[name])
            per_image[name]["relations"] = [j.to_dict() for j in relations[name]]
        latency.append(description.timings)
        spoken.append((description.text, wav))
        if not (out / "images" / f"{name}.png").exists():
            draw_scene(image.rgb, description.scene, out / "images" / f"{name}.png")
    waterfall = out / "images" / f"latency-{key.replace('/', '-')}.png"
    median_timings = {
        k: statistics.median(values)
        for k in latency[0]
        if (values := [t[k] for t in latency if isinstance(t.get(k), int | float)])
    }
    latency_waterfall(median_timings, f"{pipeline.llm.name}: median over {len(latency)} images", waterfall)
    from echollama.evaluation.bench_fresh import fresh_process_first_audio
    from echollama.samples import SAMPLE_IMAGE

    _progress(f"{pipeline.llm.name}: a fresh describe process")
    result = {
        "llm": pipeline.llm.name,
        "per_image": per_image,
        "grounding": summarise(reports),
        "detail": detail,
        "llm_sentences": summarise_llm_sentences(from_llm),
        "listener": summarise_listener(heard) if heard else None,
        "relations": summarise_relations(relations) if heard else None,
        "latency_median": median_timings,
        "waterfall": str(waterfall.relative_to(out)),
        "fresh_process_first_audio_s": fresh_process_first_audio(
            str(SAMPLE_IMAGE), config, config.prompt or pipeline.profile.prompt_style
        ),
    }
    if speech:
        _progress(f"{pipeline.llm.name}: hearing the descriptions back")
        result["speech"] = description_round_trip(pipeline, spoken)
        if heard:
            _progress(f"{pipeline.llm.name}: spoken question set")
            result["questions"] = spoken_questions(pipeline, out, key, photos=[name for name, _, _ in images])
    return result


def prompt_variants(config: PipelineConfig) -> tuple[str | None, ...]:
    """The describe-prompt variants compared side by side (`--prompt paper|grounded`)."""
    if config.profile == "paper":
        return (None,)  # the paper profile keeps the paper's prompt untouched
    return (config.prompt,) if config.prompt else ("paper", "grounded")


def run_eval(
    base: PipelineConfig,
    llms: list[str],
    folder: Path | None,
    out: Path,
    speech: bool = True,
    photos: list[str] | None = None,
    detail: str = "brief",
) -> dict:
    """The whole evaluation; `photos` limits the labelled set to those names (a quick check, not the figures)."""
    images = evaluation_images(folder, photos)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "audio").mkdir(exist_ok=True)
    if not images:
        raise ValueError(f"no images found in {folder}")
    from echollama.pipeline import Pipeline

    shared = Pipeline(base)  # perception and the fixed-phrase ASR check share one set of loaded models
    analyzer = shared.analyzer
    _progress("detection and depth")
    llm_results: dict[str, dict] = {}
    scenes: dict = {}
    result = {
        "images": [n for n, _, _ in images],
        "detection": evaluate_detection(analyzer, images, scenes),
        "depth": evaluate_depth(analyzer) if folder is None else None,
        "llms": llm_results,
    }
    if folder is None:  # the colours said, against colour_labels.json (issue 21)
        from echollama.evaluation.colour_eval import colour_figures, on_hand_drawn_boxes

        colour = colour_figures(scenes)
        if analyzer.colourer is not None:
            colour["hand_drawn_boxes"] = on_hand_drawn_boxes(analyzer.colourer)
        result["colour"] = colour
        from echollama.evaluation.relation_eval import computed_relation_figures  # every relation, said or not

        result["relations_computed"] = computed_relation_figures(scenes, {i.name: i for i in labelled_images()})
    if folder is None:  # fine names and settings against fine_labels.json (issue 21)
        from echollama.evaluation.fine_name_eval import evaluate_fine_names

        _progress("fine names and settings")
        result["fine_names"] = evaluate_fine_names(analyzer, scenes)
    from echollama.evaluation.text_eval import evaluate_text  # the text reader's CER (issue 12)

    result["text"] = evaluate_text(analyzer.text_reader)
    if speech:
        from echollama.evaluation.spoken_eval import fixed_phrases

        _progress("speech recognition on the fixed phrases")
        result["asr_phrases"] = fixed_phrases(shared)
    for llm in llms:
        if llm == "custom":
            key, config = Path(str(base.llm_path)).stem, base
        elif llm in LLM_MODELS:
            key, config = llm, replace(base, llm=llm, llm_path=None)
        else:  # a GGUF file, e.g. a DPO-trained export
            key, config = Path(llm).stem, replace(base, llm_path=Path(llm))
        for variant in prompt_variants(config):
            variant_key = key if variant is None else f"{key}/{variant}"
            variant_config = config if variant is None else replace(config, prompt=variant)
            llm_results[variant_key] = evaluate_llm(
                variant_config, variant_key, images, out, speech, labelled=folder is None, detail=detail
            )
            llm_results[variant_key]["variant"] = variant
    grounding_bars({k: v["grounding"] for k, v in llm_results.items()}, out / "images" / "grounding.png")
    (out / "report.json").write_text(json.dumps(result, indent=2, default=str))
    from echollama.evaluation.html_report import write_html

    write_html(result, out / "index.html")
    return result
