"""Dataset-builder workers as Ray tasks, for builds that outgrow one machine (all of COCO).

Each task builds its own PairMaker (models cannot be shipped between processes) and returns finished rows; the driver
alone writes the JSONL, so resuming works exactly as with threads. Point the teacher and base at served models (vLLM).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.errors import missing_extra
from echollama.training.dataset_builder import BuildSettings, Runner, chunks


def _make_rows(settings: BuildSettings, pipeline_config: PipelineConfig, items: list[tuple[str, Path]]):
    from echollama.training.dataset_builder import PairMaker

    maker = PairMaker(settings, pipeline_config)
    return [(image_id, *maker.make(image_id, path)) for image_id, path in items]


def ray_runner(
    settings: BuildSettings, pipeline_config: PipelineConfig, address: str | None = None, images_per_task: int = 8
) -> Runner:
    """`address` is a running cluster ("auto", "ray://host:10001"); None starts a local one sized to `workers`."""

    def run(todo: list[tuple[str, Path]], record: Callable[[str, dict | None, str], None]) -> None:
        try:
            import ray
        except ImportError:
            raise missing_extra("ray", "ray") from None
        started = not ray.is_initialized()
        if started:
            ray.init(
                address=address,
                num_cpus=None if address else settings.workers,
                include_dashboard=False,
                log_to_driver=False,
            )
        pending: list = []
        try:
            task = ray.remote(_make_rows)
            pending = [task.remote(settings, pipeline_config, part) for part in chunks(todo, images_per_task)]
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for image_id, row, why in ray.get(done[0]):
                    record(image_id, row, why)
        except BaseException:
            for ref in pending:  # Ctrl-C: stop the cluster's work too; finished rows are already written
                ray.cancel(ref)
            raise
        finally:
            if started:
                ray.shutdown()

    return run
