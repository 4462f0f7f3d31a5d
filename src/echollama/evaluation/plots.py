"""Pictures for the evaluation report: detections and grid drawn on each image, grounding bars, latency waterfall."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from echollama.paper import GRID_COLS, GRID_ROWS
from echollama.types import Scene


def draw_scene(rgb: np.ndarray, scene: Scene, path: Path) -> Path:
    """Boxes with label, distance and clock direction over the paper's 2x3 grid."""
    image = Image.fromarray(rgb).convert("RGB")
    draw = ImageDraw.Draw(image)
    for col in range(1, GRID_COLS):
        x = scene.width * col / GRID_COLS
        draw.line([(x, 0), (x, scene.height)], fill=(255, 255, 0), width=1)
    for row in range(1, GRID_ROWS):
        y = scene.height * row / GRID_ROWS
        draw.line([(0, y), (scene.width, y)], fill=(255, 255, 0), width=1)
    for detection in scene.detections:
        draw.rectangle(detection.box, outline=(255, 0, 0), width=3)
        where = f" {detection.distance_m:.1f} m" if detection.distance_m is not None else ""
        clock = f" {detection.clock} o'clock" if detection.clock else ""
        text = f"{detection.label} {detection.score:.2f}{where}{clock}"
        x, y = detection.box[0] + 4, detection.box[1] + 4
        draw.rectangle(draw.textbbox((x, y), text), fill=(0, 0, 0))
        draw.text((x, y), text, fill=(255, 255, 255))
    image.save(path)
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def grounding_bars(per_model: dict[str, dict], path: Path) -> Path:
    """Spatial agreement and hallucination rate per LLM, side by side."""
    plt = _pyplot()
    names = list(per_model)
    agreement = [100 * (per_model[n]["agreement"] or 0) for n in names]
    hallucination = [100 * (per_model[n]["hallucination_rate"] or 0) for n in names]
    x = np.arange(len(names))
    figure, axis = plt.subplots(figsize=(max(4, 2 * len(names)), 3.2))
    axis.bar(x - 0.2, agreement, 0.4, label="spatial claims agreeing (%)", color="#2a7")
    axis.bar(x + 0.2, hallucination, 0.4, label="invented objects (%)", color="#c33")
    axis.set_xticks(x, names)
    axis.set_ylim(0, 100)
    axis.legend(loc="upper right", fontsize=8)
    axis.set_title("Grounding per LLM")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


WATERFALL_STAGES = (
    ("load image", "load_image_s"),
    ("perception", "perception_s"),
    ("wait for models", "wait_models_s"),
    ("LLM first token", "llm_first_token_s"),
)


def latency_waterfall(timings: dict[str, float], title: str, path: Path) -> Path:
    """Stages as consecutive bars up to the first audio, then the rest of the answer."""
    plt = _pyplot()
    bars, start = [], 0.0
    for name, key in WATERFALL_STAGES:
        bars.append((name, start, timings.get(key, 0.0)))
        start += timings.get(key, 0.0)
    first_audio = timings.get("first_audio_s", start)
    bars.append(("first sentence spoken", start, max(0.0, first_audio - start)))
    bars.append(("rest of the answer", first_audio, max(0.0, timings.get("total_s", first_audio) - first_audio)))
    figure, axis = plt.subplots(figsize=(6, 2.8))
    for row, (_name, left, width) in enumerate(bars):
        axis.barh(row, width, left=left, color="#38c" if row < len(bars) - 1 else "#aac")
        axis.text(left + width + 0.05, row, f"{width:.2f} s", va="center", fontsize=7)
    axis.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("seconds from image in")
    axis.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
