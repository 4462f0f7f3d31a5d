"""Embedded text reader: RapidOCR's PP-OCRv6 small detector and recogniser (plus its angle classifier), ONNX Runtime.

The three ONNX files ship inside the `rapidocr` wheel; we hand their paths to RapidOCR so it never looks for a
download, after checking each against the sha256 the wheel's own `default_models.yaml` lists. The raw reads then pass
a score and size policy, because the detector finds "text" in fur, foam and foliage (see `keep_read`).
"""

from __future__ import annotations

import importlib.util
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from echollama.errors import ModelError, missing_extra
from echollama.models.gguf import verify_file
from echollama.models.wheel_files import package_file
from echollama.scene.framing import SeenLine
from echollama.scene.image import LoadedImage
from echollama.types import TextRegion

_PACKAGE = "rapidocr"
_INSTALL_HINT = "pip install --force-reinstall 'rapidocr==3.10.0'"
# rapidocr 3.10.0, rapidocr/default_models.yaml (onnxruntime section); checked against the wheel's files.
MODEL_FILES = {
    "det": ("models/PP-OCRv6_det_small.onnx", "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"),
    "cls": (
        "models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    ),
    "rec": ("models/PP-OCRv6_rec_small.onnx", "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"),
}
# RapidOCR drops detected boxes scoring under 0.5; a plain, legible serif sign on a busy photo scored 0.49 there and
# was never read. At 0.3 the sweep found that sign, a lone letter, more of a circuit board's markings and no extra
# spurious text (the policy below removes the extra candidates, all small or low-scoring).
DETECTOR_SETTINGS: dict[str, object] = {"Det.box_thresh": 0.3}
_MAX_ASPECT = 40  # longest side / shortest side that RapidOCR gets; thinner strips are padded
# Two intra-op threads: the target has two cores, and detection and depth run beside us.
_THREADS = 2
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")


@dataclass(frozen=True)
class ReadPolicy:
    """Which raw reads are worth saying. Measured, not guessed: `tests/text_policy_sweep.py` prints the figures.

    Sweep of 2026-11-25 (rapidocr 3.10.0, detector box threshold 0.3, every raw read, 77 photos): scikit-image
    coffee, chelsea, astronaut, rocket, motorcycle; the bundled coffee.jpg; opencv-doc's 59 data/*.jpg; 5 rendered
    signs, a rendered page, opencv-doc's 6 scene-text photos. Of the first 65, the policy keeps text on 13, all of it
    real lettering (a circuit board, book spines, a shirt, a hand-written PRINTER note behind a chessboard), and
    nothing on the other 52 (coffee, chelsea, astronaut, rocket and the bundled photo among them).
    - Spurious reads of two or more characters scored at most 0.71 ("10" on a 50 %-high line, "mm" on a chessboard);
      spurious single characters scored up to 0.98, often on lines as high as the image ("8" 0.90 over the coffee
      photo, "1" 0.98 over ela_original, "g" 0.80 over the baboon).
    - Real text read right scored 0.91-1.00 (rendered signs and the page 0.96-1.00, at 10-52 px); real text scoring
      0.83-0.89 was nearly always misread ("YAMARA", "DIRCUITS", "PRINTE", "TVT" for handwriting), so it is dropped
      rather than spoken wrong with confidence.
    - Lines under 10 px were misread ("charle d. cocksev" 8 px, "KAL" 7 px); real lines were 1.5-21 % of the height.
    """

    min_score: float = 0.90  # spurious multi-character reads <= 0.71; real reads under 0.90 were mostly wrong
    min_height_px: float = 10.0  # the recogniser works at 48 px high; smaller lines came out garbled
    min_height_fraction: float = 0.012  # a whole page photographed has lines of ~2-3 % of its height
    max_height_fraction: float = 0.60  # spurious lines spanned up to 100 % of the height; a close-up sign's line < 50 %
    min_chars: int = 2  # Latin letters or digits; CJK-only reads (we speak English) were all spurious
    single_char_min_score: float = 0.95  # a lone "3" on a platform sign is real when it is crisp and large...
    single_char_min_height_fraction: float = 0.08  # ...spurious lone characters were all small or whole-image


SCENE_POLICY = ReadPolicy()


def keep_read(text: str, score: float, height_px: float, image_height: int, policy: ReadPolicy = SCENE_POLICY) -> bool:
    """Whether one raw read (its text, score and glyph line height in pixels) is worth reporting."""
    fraction = height_px / image_height
    if score < policy.min_score or height_px < policy.min_height_px:
        return False
    if not policy.min_height_fraction <= fraction <= policy.max_height_fraction:
        return False
    chars = len(_LATIN_OR_DIGIT.findall(text))
    if chars >= policy.min_chars:
        return True
    return (
        chars == 1
        and len(text.strip()) == 1
        and score >= policy.single_char_min_score
        and fraction >= policy.single_char_min_height_fraction
    )


def drop_duplicates(regions: list[TextRegion]) -> list[TextRegion]:
    """Drop a region lying mostly inside another whose text contains its own: the detector sometimes finds one
    sign both as a whole and line by line, or one big character twice. Of two copies, the longer, surer one stays."""

    def rank(index: int) -> tuple[int, float, int]:
        return len(regions[index].text), regions[index].score, -index

    def covers(outer: int, inner: int) -> bool:
        return _mostly_inside(regions[inner].box, regions[outer].box) and _plain(regions[inner].text) in _plain(
            regions[outer].text
        )

    def duplicate(i: int) -> bool:
        return any(j != i and covers(j, i) and (not covers(i, j) or rank(j) > rank(i)) for j in range(len(regions)))

    return [region for i, region in enumerate(regions) if not duplicate(i)]


def _mostly_inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    width = min(inner[2], outer[2]) - max(inner[0], outer[0])
    height = min(inner[3], outer[3]) - max(inner[1], outer[1])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return width > 0 and height > 0 and width * height >= 0.7 * area


def _plain(text: str) -> str:
    """Case, accents and spacing removed, for comparing two reads of the same words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def line_height(quad: np.ndarray) -> float:
    """Height of a text line from its detected quadrilateral (tl, tr, br, bl), which may be rotated."""
    tl, tr, br, bl = (np.asarray(point, dtype=float) for point in quad)
    return float((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2.0)


class RapidOcrReader:
    name = "rapidocr-ppocrv6-small"

    def __init__(self, policy: ReadPolicy = SCENE_POLICY) -> None:
        self.policy = policy
        self._engine: Any = None
        self._lock = threading.Lock()  # RapidOCR keeps per-call settings on the instance: one read at a time

    def load(self) -> None:
        with self._lock:
            if self._engine is None:
                self._engine = _build_engine()

    def read(self, image: LoadedImage) -> list[TextRegion]:
        return self.read_lines(image)[0]

    def read_lines(self, image: LoadedImage) -> tuple[list[TextRegion], list[SeenLine]]:
        """The lines worth reporting, and every line the detector found (for framing help, `framing.py`)."""
        regions, seen = [], []
        for raw in self.raw_reads(image):
            box = _bounds(raw.quad, image.width, image.height)
            if box is None:
                continue
            height = line_height(raw.quad)
            kept = keep_read(raw.text, raw.score, height, image.height, self.policy)
            seen.append(SeenLine(box=box, height_px=height, score=raw.score, kept=kept))
            if kept:
                regions.append(TextRegion(text=raw.text, score=raw.score, box=box))
        return drop_duplicates(regions), seen

    def raw_reads(self, image: LoadedImage) -> list[RawRead]:
        """Everything the models returned, before the policy (for measuring the policy)."""
        self.load()
        bgr = np.ascontiguousarray(_pad_thin(image.rgb)[:, :, ::-1])  # RapidOCR takes arrays as OpenCV's BGR
        with self._lock:
            result = self._engine(bgr)
        if not result.txts:
            return []
        reads = []
        for text, score, quad in zip(result.txts, result.scores, result.boxes):
            text = " ".join(unicodedata.normalize("NFKC", text).split())  # full-width "ＴＥＬ" -> "TEL"
            if text:
                reads.append(RawRead(text, round(min(max(float(score), 0.0), 1.0), 4), np.asarray(quad, dtype=float)))
        return reads


@dataclass(frozen=True)
class RawRead:
    text: str
    score: float
    quad: np.ndarray  # 4 x 2 corners (tl, tr, br, bl) in image pixels


def _pad_thin(rgb: np.ndarray) -> np.ndarray:
    """Pad a very thin strip (bottom or right, so boxes keep their coordinates): RapidOCR shrinks the long side to
    2000 px, and a short side rounded to 0 px there raises an error (a 10 x 3000 image does)."""
    height, width = rgb.shape[:2]
    short = max(height, width) // _MAX_ASPECT
    if min(height, width) >= short:
        return rgb
    pad = ((0, max(short - height, 0)), (0, max(short - width, 0)), (0, 0))
    return np.pad(rgb, pad, mode="edge")


def _bounds(quad: np.ndarray, width: int, height: int) -> tuple[float, float, float, float] | None:
    x1, y1 = np.clip(quad.min(axis=0), 0, (width, height))
    x2, y2 = np.clip(quad.max(axis=0), 0, (width, height))
    return (float(x1), float(y1), float(x2), float(y2)) if x2 > x1 and y2 > y1 else None


def _build_engine():
    for package in ("rapidocr", "onnxruntime"):
        if importlib.util.find_spec(package) is None:
            raise missing_extra(package, "embedded")
    paths = {}
    for role, (relative, sha256) in MODEL_FILES.items():
        path = package_file(_PACKAGE, relative, _INSTALL_HINT)
        verify_file(path, sha256, f"reinstall it: {_INSTALL_HINT}")
        paths[role] = str(path)
    from rapidocr import RapidOCR

    try:
        engine = RapidOCR(
            params={
                "Global.log_level": "critical",
                "Global.text_score": 0.0,  # our policy filters; RapidOCR's own 0.5 cut would hide what it drops
                "Det.model_path": paths["det"],
                "Cls.model_path": paths["cls"],
                "Rec.model_path": paths["rec"],
                "EngineConfig.onnxruntime.intra_op_num_threads": _THREADS,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                **DETECTOR_SETTINGS,
            }
        )
        # RapidOCR would open each ONNX session on the first image that needs it; open all three now, once.
        engine._load_det_model()
        engine._load_cls_model()
        engine._load_rec_model()
    except Exception as error:  # a broken install surfaces here, not as a traceback mid-description
        raise ModelError(f"RapidOCR could not load its models ({error}); {_INSTALL_HINT}") from error
    return engine
