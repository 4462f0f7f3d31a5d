"""`echollama bench heldout`: the default perception (detector, per-label bands, whole-frame rule, crop checks,
setting) on the held-out photos and on the labelled set, side by side, before any LLM.

Per set: box precision/recall after every rule (IoU >= 0.5), the sure boxes' precision and the sure words invented
(a sure object of a class the photo does not hold: the confident errors a listener cannot tell from the truth), what
the grounded brief opening (language/narration.py) gives a listener judged as `echollama eval` judges it (must-see
named, labelled objects given a position, CHAIR-i, absent named), the settings said against the labels (held-out
set), the fine names said, judged and right against the set's fine-name labels (also on the labels' own boxes),
the colours said, right and said-for against the set's colour labels (evaluation/colour_eval.py, also on the
labels' own boxes), each per-label band's right/wrong boxes by score out of sample, and per photo what is said. With
`--set` naming one set, only that one. The two checks against confident errors out of domain
(scene/sure_word_guard.py) are measured on and off ("guard on", "guard off").
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext

from echollama.config import LABEL_BANDS, PipelineConfig
from echollama.evaluation.detection import MatchCounts, match, matches_labelled
from echollama.evaluation.heldout_set import SETS, heldout_settings, photo_set, set_file
from echollama.evaluation.labelled_set import COLOUR_LABELS_FILE, FINE_LABELS_FILE, LabelledImage
from echollama.evaluation.listener import score_description, summarise_listener
from echollama.types import Scene

BAND_EDGES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01)  # score bins for the per-label band check
_ON_BOXES = "fine names on the labels' boxes"
_COLOUR_ON_BOXES = "colours on the labels' boxes"
_LISTENER = ("must_see_named", "labelled_positioned", "chair_i", "absent_named")


def perceive(analyzer, photos: Sequence[LabelledImage]) -> dict[str, Scene]:
    """Each photo's Scene as `describe --no-text` builds it (fine names, setting and the guard included)."""
    return {item.name: analyzer.analyze(item.load(), caption=True, read_text=False) for item in photos}


def score_set(
    scenes: dict[str, Scene],
    photos: Sequence[LabelledImage],
    settings: dict | None = None,
    fine: dict | None = None,
    colours: dict | None = None,
) -> dict:
    """The set's figures (see the module's docstring) from its Scenes; `fine`, `colours`: the set's fine-name and
    colour labels."""
    from echollama.evaluation.colour_eval import colour_figures
    from echollama.evaluation.fine_name_eval import score_scenes
    from echollama.language.narration import narrate

    boxes, sure_boxes = MatchCounts(), MatchCounts()
    invented, openings, heard = [], {}, []
    for item in photos:
        scene = scenes[item.name]
        truth = [(o.label, o.box) for o in item.objects]
        boxes = boxes + match(scene.detections, truth)
        sure = [d for d in scene.detections if d.certain]
        sure_boxes = sure_boxes + match(sure, truth)
        invented += [f"{item.name}: {d.label} {d.score:.2f}" for d in sure if d.label not in item.names]
        openings[item.name] = " ".join(narrate(scene, "brief"))
        heard.append(score_description(openings[item.name], item))
    listener = summarise_listener(heard)
    return {
        "photos": len(photos),
        "precision": boxes.precision,
        "recall": boxes.recall,
        "sure_precision": sure_boxes.precision,
        "sure_boxes": sure_boxes.true_positives + sure_boxes.false_positives,
        "sure_invented": invented,
        "listener": {key: listener[key] for key in _LISTENER} | {"invented": listener["invented"]},
        "settings": _settings(scenes, settings) if settings is not None else None,
        "fine_names": score_scenes(scenes, photos, fine) if fine is not None else None,
        "colours": colour_figures(scenes, colours, photos) if colours is not None else None,
        "openings": openings,
    }


def _settings(scenes: dict[str, Scene], labels: dict) -> dict:
    """Settings said, and each photo whose side or place is wrong (fine_name_eval.judged_settings)."""
    from echollama.evaluation.fine_name_eval import judged_settings

    judged = judged_settings(scenes, labels)
    wrong = [
        f"{name}: {'indoors' if setting.indoors else 'outdoors'} {setting.place}".strip()
        for name, setting, side_right, place_right in judged
        if side_right is False or place_right is False
    ]
    return {"said": len(judged), "wrong": wrong}


def band_check(detector, photos: Sequence[LabelledImage], floor: float = 0.3) -> dict[str, list[list[int]]]:
    """Per label, per score bin (BAND_EDGES), [right, wrong] raw detector boxes: the bands judged out of sample."""
    table: dict[str, list[list[int]]] = {}
    for item in photos:
        for d in detector.detect(item.load(), floor):
            row = table.setdefault(d.label, [[0, 0] for _ in BAND_EDGES[:-1]])
            index = max(i for i, edge in enumerate(BAND_EDGES[:-1]) if d.score >= edge)
            row[index][0 if matches_labelled(d.label, d.box, item.objects) else 1] += 1
    return table


def bench_heldout(args, config: PipelineConfig) -> int:
    from echollama.evaluation.colour_eval import colour_labels, on_hand_drawn_boxes
    from echollama.evaluation.fine_name_eval import fine_labels, on_labelled_boxes
    from echollama.pipeline import Pipeline

    analyzer = Pipeline(config).analyzer
    chosen = [args.set] if getattr(args, "set", None) else list(SETS)
    results: dict[str, dict] = {}
    for name in chosen:
        photos = photo_set(name)
        settings = heldout_settings() if name == "heldout" else None  # the labelled set's are judged by `eval`
        fine, colours = fine_labels(set_file(name, FINE_LABELS_FILE)), colour_labels(set_file(name, COLOUR_LABELS_FILE))
        results[name] = {"guard on": score_set(perceive(analyzer, photos), photos, settings, fine, colours)}
        if _guarded(analyzer):  # the same perception without the guard's two checks, for comparison
            with _guard_off(analyzer):
                results[name]["guard off"] = score_set(perceive(analyzer, photos), photos, settings, fine, colours)
        if analyzer.fine_names is not None:
            results[name][_ON_BOXES] = on_labelled_boxes(analyzer.fine_names, photos, fine)
        if analyzer.colourer is not None:
            results[name][_COLOUR_ON_BOXES] = on_hand_drawn_boxes(analyzer.colourer, colours, photos)
        if name == "heldout":
            results[name]["bands"] = band_check(analyzer.detector, photos)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        _print(results)
    return 0


def _guarded(analyzer) -> bool:
    """Whether the analyzer runs either check of the guard: the person-bound hedge, the crops' scenery verdict."""
    return analyzer.hedge_person_bound or (analyzer.fine_names is not None and analyzer.fine_names.scenery_verdict)


@contextmanager
def _set_to(owner, attribute: str, value) -> Iterator[None]:
    """`owner.attribute` is `value` while inside, as it was after."""
    kept = getattr(owner, attribute)
    setattr(owner, attribute, value)
    try:
        yield
    finally:
        setattr(owner, attribute, kept)


@contextmanager
def _guard_off(analyzer) -> Iterator[None]:
    """The analyzer with both checks of the guard off while inside, as it was after."""
    namer = analyzer.fine_names
    scenery_off = nullcontext() if namer is None else _set_to(namer, "scenery_verdict", False)
    with _set_to(analyzer, "hedge_person_bound", False), scenery_off:
        yield


def _print(results: dict[str, dict]) -> None:
    for name, result in results.items():
        print(f"== {name} set ({next(iter(result.values()))['photos']} photos); brief opening, no LLM ==")
        for variant, s in result.items():
            if variant in ("bands", _ON_BOXES, _COLOUR_ON_BOXES):
                continue
            heard = s["listener"]
            print(
                f"  {variant:<9}: boxes precision {s['precision']:.3f} recall {s['recall']:.3f}; sure boxes "
                f"{s['sure_boxes']} precision {s['sure_precision']:.3f}; sure words invented "
                f"{len(s['sure_invented'])} {s['sure_invented']}"
            )
            print(
                "             heard: "
                + ", ".join(f"{key} {_figure(heard[key])}" for key in _LISTENER)
                + f", invented {heard['invented']}"
            )
            if s["settings"] is not None:
                print(f"             settings said {s['settings']['said']}, wrong {s['settings']['wrong']}")
            if s["fine_names"] is not None:
                print("             " + _fine_line(s["fine_names"]))
            if s["colours"] is not None:
                print("             " + _colour_line(s["colours"]))
        if _ON_BOXES in result:
            boxes = result[_ON_BOXES]
            print(
                f"  fine names on the labels' own boxes: {boxes['objects']} objects of clear kind, {boxes['named']} "
                f"named, {boxes['right']} right, {boxes['contradicted']} contradicted; wrong {boxes['wrong']}"
            )
        if _COLOUR_ON_BOXES in result:
            print("  colours on the labels' own boxes, every object sure: " + _colour_line(result[_COLOUR_ON_BOXES]))
        if "bands" in result:
            _print_bands(result["bands"])
        last = next(iter(result.values()))
        for photo, words in last["openings"].items():
            print(f"  {photo}: {words}")
        print()


def _fine_line(fine: dict) -> str:
    share = "-" if fine["said_share_right"] is None else f"{fine['said_share_right']:.0%}"
    crossed = [f"{d['photo']}: {d['label']} vs crop {d['crop']}" for d in fine["disagreements"]]
    return (
        f"fine names said {fine['said']} (judged {fine['said_judged']}, right {fine['said_right']}, {share}); "
        f"computed {fine['computed']} (judged {fine['judged']}, right {fine['right']}); wrong {fine['wrong']}; "
        f"detector-vs-crop disagreements {crossed}"
    )


def _colour_line(colours: dict) -> str:
    """`echollama eval`'s colour line (colour_eval.colour_line), then every wrong colour."""
    from echollama.evaluation.colour_eval import colour_line

    return f"{colour_line(colours)}; wrong {colours['wrong']}"


def _print_bands(table: dict[str, list[list[int]]]) -> None:
    edges = BAND_EDGES
    print(f"  raw detector boxes right/wrong by score (YOLOv5s's per-label bands: {LABEL_BANDS['yolov5s']}):")
    print("  " + f"{'label':<14}" + "".join(f"{f'{a:.1f}-{min(b, 1.0):.1f}':>10}" for a, b in zip(edges, edges[1:])))
    for label, row in sorted(table.items()):
        print("  " + f"{label:<14}" + "".join(f"{f'{r}/{w}':>10}" for r, w in row))


def _figure(value) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if isinstance(value, float) else str(value)
