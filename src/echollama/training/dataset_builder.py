"""The Spatial-DPO dataset builder (paper §6.1): image -> scene -> paper prompt -> chosen and rejected answers.

Chosen comes from a teacher behind any OpenAI-compatible endpoint (the paper used DeepSeek-V3), rejected from the base
model; or, with `grounded`, both from the base model's own samples ranked by the grounding checker (no teacher).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

from echollama.config import GenerationSettings, PipelineConfig
from echollama.errors import EchollamaError, InputError
from echollama.paper import DATASET_GENERATION
from echollama.training.pairs_file import PairsFile

# The teacher's API key is read from the first of these that is set (never from a flag: flags land in shell history).
TEACHER_API_KEY_ENVS = ("ECHOLLAMA_TEACHER_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


def dataset_generation(max_tokens: int | None = None, seed: int = 0) -> GenerationSettings:
    """The paper's sampling for both sides of the dataset (§6.1); `max_tokens` may be lowered for CPU runs."""
    return GenerationSettings(
        max_tokens=int(max_tokens or DATASET_GENERATION["max_tokens"]),
        temperature=DATASET_GENERATION["temperature"],
        top_p=DATASET_GENERATION["top_p"],
        seed=seed,
    )


@dataclass
class BuildSettings:
    images_dir: Path
    output: Path
    generation: GenerationSettings = field(default_factory=dataset_generation)
    teacher_url: str | None = None  # OpenAI-compatible base URL, e.g. https://api.deepseek.com/v1
    teacher_model: str = "deepseek-chat"  # DeepSeek-V3 in the paper (§6.1)
    base_url: str | None = None  # the base model behind an endpoint too (vLLM); None: the local llama.cpp model
    base_model: str = "meta-llama/Llama-3.2-1B-Instruct"
    grounded: bool = False  # teacher-free: rank k base-model samples with the grounding checker
    samples: int = 4  # k, with `grounded`
    workers: int = 2
    limit: int | None = None  # at most this many images (the first, in name order)

    def __post_init__(self) -> None:
        self.images_dir, self.output = Path(self.images_dir), Path(self.output)
        if not self.grounded and not self.teacher_url:
            raise EchollamaError("give a teacher endpoint (--teacher-url) or build teacher-free pairs (--grounded)")
        if self.grounded and self.samples < 2:
            raise EchollamaError("--samples must be at least 2: a preference needs two answers")
        if self.workers < 1:
            raise EchollamaError("--workers must be at least 1")

    @property
    def skipped_path(self) -> Path:
        """Images that gave no pair (a tie, an empty answer, an unreadable file): not retried on resume."""
        return self.output.with_name(self.output.name + ".skipped")


def list_images(folder: Path, limit: int | None = None) -> list[tuple[str, Path]]:
    """(image id, path) for every image under `folder`; the id is the path relative to it, so ids survive a move."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of images")
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    return [(p.relative_to(folder).as_posix(), p) for p in paths][:limit]


def generate(llm, messages, settings: GenerationSettings) -> str:
    return "".join(llm.stream(messages, settings)).strip()


class PairMaker:
    """Turns one image into one row (or a reason for none). Safe to call from several threads."""

    def __init__(self, settings: BuildSettings, pipeline_config: PipelineConfig) -> None:
        from echollama.language.openai_http_llm import OpenAIHttpLLM
        from echollama.pipeline import Pipeline

        self.settings = settings
        self.pipeline = Pipeline(pipeline_config)
        self.base = OpenAIHttpLLM(settings.base_url, settings.base_model) if settings.base_url else self.pipeline.llm
        key = next((os.environ[k] for k in TEACHER_API_KEY_ENVS if os.environ.get(k)), None)
        self.teacher = (
            OpenAIHttpLLM(settings.teacher_url, settings.teacher_model, api_key=key)
            if settings.teacher_url and not settings.grounded
            else None
        )
        # The detector's OpenCV net is one object: perception runs one image at a time (~0.1 s, not the bottleneck).
        # The local llama.cpp model serialises itself (one context); HTTP endpoints take the workers in parallel.
        self._perception = threading.Lock()

    def make(self, image_id: str, path: Path) -> tuple[dict | None, str]:
        """(row, "") or (None, why no pair)."""
        from echollama.language.claims import check_text
        from echollama.language.prompt import describe_messages
        from echollama.scene.image import load_image
        from echollama.training.preferences import choose_pair

        try:
            image = load_image(path)
        except InputError as error:
            return None, f"unreadable image: {error}"
        with self._perception:
            scene = self.pipeline.analyzer.analyze(image)
        messages = describe_messages(scene, legend=self.pipeline.profile.legend)
        generation = self.settings.generation
        if self.settings.grounded:
            answers = [
                generate(self.base, messages, replace(generation, seed=generation.seed + i))
                for i in range(self.settings.samples)
            ]
            pair = choose_pair(answers, scene)
            if pair is None:
                return None, "tie: every sample scored the same"
            chosen, rejected = pair[0].text, pair[1].text
            chosen_by, rejected_by = f"{self.base.name} (best of {len(answers)})", f"{self.base.name} (worst)"
        else:
            assert self.teacher is not None  # settings without --grounded always name a teacher
            chosen, rejected = generate(self.teacher, messages, generation), generate(self.base, messages, generation)
            chosen_by, rejected_by = self.teacher.name, self.base.name
        if not chosen or not rejected:
            return None, "an empty answer"
        return {
            "prompt": messages[1]["content"],
            "chosen": chosen,
            "rejected": rejected,
            "system": messages[0]["content"],
            "image_id": image_id,
            "scene": json.dumps(scene.to_dict()),
            "chosen_score": check_text(chosen, scene).score(),
            "rejected_score": check_text(rejected, scene).score(),
            "chosen_by": chosen_by,
            "rejected_by": rejected_by,
        }, ""


@dataclass
class BuildReport:
    images: int
    already_done: int
    written: int = 0
    skipped: int = 0


Runner = Callable[[list[tuple[str, Path]], Callable[[str, dict | None, str], None]], None]


def thread_runner(settings: BuildSettings, pipeline_config: PipelineConfig) -> Runner:
    """Workers as threads in this process, sharing one PairMaker (one set of models)."""

    def run(todo: list[tuple[str, Path]], record: Callable[[str, dict | None, str], None]) -> None:
        maker = PairMaker(settings, pipeline_config)
        stop = threading.Event()

        def work(item: tuple[str, Path]) -> None:
            if stop.is_set():  # Ctrl-C: images not yet started are left for the next run
                return
            row, why = maker.make(*item)
            record(item[0], row, why)

        with ThreadPoolExecutor(settings.workers, thread_name_prefix="pairs") as pool:
            futures = [pool.submit(work, item) for item in todo]
            try:
                for future in as_completed(futures):
                    future.result()
            except BaseException:
                stop.set()
                for future in futures:
                    future.cancel()
                raise

    return run


def build_dataset(settings: BuildSettings, runner: Runner, progress: bool = True) -> BuildReport:
    """Run `runner` over every image not yet in the output (or skipped), appending one row per finished image."""
    from tqdm import tqdm

    images = list_images(settings.images_dir, settings.limit)
    with PairsFile(settings.output) as pairs, PairsFile(settings.skipped_path) as skipped:
        todo = [(i, p) for i, p in images if i not in pairs.done and i not in skipped.done]
        report = BuildReport(images=len(images), already_done=len(images) - len(todo))
        with tqdm(
            total=len(images),
            initial=report.already_done,
            unit="image",
            file=sys.stderr,
            disable=not progress,
            desc="pairs",
        ) as bar:
            lock = threading.Lock()

            def record(image_id: str, row: dict | None, why: str) -> None:
                if row is not None:
                    pairs.append(row)
                else:
                    skipped.append({"image_id": image_id, "reason": why})
                with lock:
                    report.written += row is not None
                    report.skipped += row is None
                    bar.update()

            if todo:
                runner(todo, record)
    return report


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
