"""Paper detector: DETR-R50 (`facebook/detr-resnet-50`) through transformers, with transformers' own post-processing.

The Pillow image processor is used because the default one needs torchvision (DESIGN.md §2). Detections come back in
left-to-right order of their box centres (top to bottom where two share an x), not by score.
"""

from __future__ import annotations

import threading
from pathlib import Path

from echollama.models.torch_device import Placement, load_pretrained_pair
from echollama.paper import PAPER_DETECTOR_MODEL
from echollama.scene.image import LoadedImage
from echollama.types import Detection


class DetrDetector:
    def __init__(self, model: str | Path = PAPER_DETECTOR_MODEL, placement: Placement | None = None) -> None:
        self.name = f"detr:{Path(str(model)).name}"
        self._model_ref = model
        self._placement = placement
        self._loaded = None
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._loaded is None:
                self._loaded = load_pretrained_pair(
                    "DETR", self._model_ref, "DetrImageProcessorPil", "DetrForObjectDetection", self._placement
                )
        return self._loaded

    @property
    def placement(self) -> Placement:
        return self.load()[3]

    def detect(self, image: LoadedImage, threshold: float) -> list[Detection]:
        torch, processor, model, placement = self.load()
        inputs = processor(images=image.rgb, return_tensors="pt")
        inputs = {
            k: v.to(placement.device, dtype=placement.dtype if v.is_floating_point() else v.dtype)
            for k, v in inputs.items()
        }
        with torch.inference_mode():
            outputs = model(**inputs)
        # Post-processing softmaxes in float32 on the CPU: bf16 logits would shift scores around the 0.9 cut.
        outputs.logits = outputs.logits.float().cpu()
        outputs.pred_boxes = outputs.pred_boxes.float().cpu()
        result = processor.post_process_object_detection(
            outputs, threshold=threshold, target_sizes=[(image.height, image.width)]
        )[0]
        detections = []
        for score, label, box in zip(result["scores"].tolist(), result["labels"].tolist(), result["boxes"].tolist()):
            x1, y1, x2, y2 = (
                min(max(v, 0.0), limit) for v, limit in zip(box, (image.width, image.height, image.width, image.height))
            )
            if x2 <= x1 or y2 <= y1:
                continue  # a box entirely outside the image after clipping
            name = model.config.id2label.get(int(label), str(label))
            detections.append(Detection(label=name, score=min(1.0, float(score)), box=(x1, y1, x2, y2)))
        # Left to right (then top to bottom): each matrix cell then lists its objects in the paper's Figure-4 order.
        return sorted(detections, key=lambda d: d.center)
