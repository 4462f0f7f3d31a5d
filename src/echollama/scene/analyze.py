"""Perception in one call: detect, merge duplicates, then the objects' attributes side by side, then place objects.

Two lanes for two cores: the work that needs no detections (the whole picture's classes, for the caption and the
setting) runs beside detection, on the lane SSD leaves room in; depth, colours, fine names and the caption, which
need the detections but not each other, run side by side after it. The text stage (when the profile has a reader)
runs after all of that on its own thread: only the text waits for it, never the first sentence.

The result is a `Scene`; stage times (seconds) are recorded in `scene.timings`. `look` hands on the objects' Scene as
soon as they are placed, and the text as a `PendingText` whose `scene()` waits for it, so the first object sentence
never waits for the text; `analyze` returns the whole Scene.

Confidence policy: objects scoring under `threshold` are not said at all; those under `certain_from` are kept but
marked uncertain, and said as "possibly a ...". See EMBEDDED_CERTAIN_FROM for the figures behind the embedded values.
With `hedge_person_bound` (the embedded profile), a sure kite, tie, ... with no person found is lowered to "possibly"
too (scene/sure_word_guard.py), on every frame.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from echollama.scene.camera import camera_for
from echollama.scene.dedupe import merge_duplicates
from echollama.scene.grid import clock_direction, format_matrix, grid_cell
from echollama.scene.image import LoadedImage
from echollama.scene.protocols import Captioner, CodeReader, DepthEstimator, Detector, TextReader
from echollama.scene.relations import find_relations
from echollama.scene.sure_word_guard import hedge_without_person
from echollama.scene.text_placement import place_text
from echollama.types import CodeRegion, Detection, PendingText, Scene, Setting, TextRegion

if TYPE_CHECKING:
    from echollama.scene.colourer import ObjectColourer
    from echollama.scene.fine_names import FineNamer

# Embedded profile (SSD-MobileNet-v2), measured on the 5 labelled images plus OpenCV's 26 sample photos of real
# scenes (Debian opencv-doc), each detection >= 0.3 judged by eye after merging duplicates: precision 13/15 (87 %)
# at >= 0.80, 7/12 (58 %) at 0.55-0.80, 4/16 (25 %) at 0.30-0.55. The confident errors are objects outside COCO's 80
# classes (a squirrel as a bird at 0.95, a notebook's elastic band as a tie at 0.89): no threshold removes those.
# So: silence under the profile's detection threshold (0.51, see config.py), "possibly" under 0.80, plain words from
# 0.80 (or beside a sure one of the same kind: language/narration.py). The paper profile leaves `certain_from` unset: DETR at its
# 0.9 threshold is said plainly, as in the paper.
EMBEDDED_CERTAIN_FROM = 0.80
# YOLOv5s's boxes other than people on the 29 labelled photos (`echollama bench detector`): 0.48-0.6 right 9 times in
# 11, 0.6-0.7 13 in 15, >= 0.5 41 in 46 (89 %, SSD's plain-word band's 87 %); its people, 0.6-0.7: 9 in 13, 0.7-0.8:
# 20 in 21. So "possibly" under 0.50, and a person under 0.70 (config.LABEL_BANDS).
CERTAIN_FROM = {"ssd": EMBEDDED_CERTAIN_FROM, "yolov5s": 0.50}
_SECOND_LABEL_FLOOR = 0.8  # of the threshold: how low a box's other label may score and still name it


class SceneAnalyzer:
    def __init__(
        self,
        detector: Detector,
        depth: DepthEstimator,
        captioner: Captioner,
        threshold: float,
        certain_from: float | None = None,
        text_reader: TextReader | None = None,
        whole_frame_check: Callable[[LoadedImage, list[Detection]], list[Detection]] | None = None,
        colourer: ObjectColourer | None = None,
        fine_names: FineNamer | None = None,
        setting: Callable[[LoadedImage, list[str]], Setting | None] | None = None,
        code_reader: CodeReader | None = None,
        label_bands: Mapping[str, tuple[float, float]] | None = None,
        picture_first: Callable[[LoadedImage], object] | None = None,
        lanes: int = 2,
        second_lane: Executor | None = None,
        hedge_person_bound: bool = False,
    ) -> None:
        self.detector = detector
        self.depth = depth
        self.captioner = captioner
        self.threshold = threshold
        self.certain_from = certain_from
        self.text_reader = text_reader
        self.whole_frame_check = whole_frame_check  # a second opinion on picture-filling boxes (whole_frame.py)
        self.colourer = colourer  # each object's colour, from its own pixels (object_colour.py)
        self.fine_names = fine_names  # what each object is, more exactly, from its crop (fine_names.py)
        # Sure things people hold or fly said as "possibly" when no person is found (sure_word_guard.py): on every
        # frame, watched ones too, so one scene is said one way. Off in the paper profile, which says what DETR says.
        self.hedge_person_bound = hedge_person_bound
        self.setting = setting  # indoors or outdoors and the kind of place (setting.py)
        self.code_reader = code_reader  # QR codes and barcodes, read with the text (code_reader.py)
        # label -> (threshold, certain_from) where a detector's scores for one class run apart from its others
        self.label_bands = dict(label_bands or {})
        # Work on the whole picture that needs no detections (the classifier's run that the caption and the setting
        # share: gist_captioner.py), started beside detection.
        self.picture_first = picture_first
        # 1: every stage in turn on the calling thread (the same results: tests/test_perception_lanes.py)
        self.lanes = lanes
        self._pool = ThreadPoolExecutor(max_workers=max(1, lanes), thread_name_prefix="perception")
        # Where `picture_first` runs beside detection: the detector's own second lane where it has one (SSD beside
        # YOLOv5s, sure_box_ensemble.py), so the two take turns on the second core instead of both fighting YOLOv5s.
        self._second_lane = second_lane or self._pool
        self._text_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text")

    def load(self, text: bool = True) -> None:
        """Load every perception model now (each backend otherwise loads on first use); `text=False` leaves the text
        reader to load at its first read."""
        for backend in (self.detector, self.depth, self.captioner):
            load = getattr(backend, "load", None)
            if load is not None:
                load()
        # The text reader loads on its own thread, ahead of its first read: the objects never wait for it.
        load = getattr(self.text_reader, "load", None)
        if load is not None and text:
            self._text_pool.submit(load)

    def analyze(self, image: LoadedImage, caption: bool = True, read_text: bool = True, colour: bool = True) -> Scene:
        """The scene in `image`, its text read; `caption=False` skips the whole-picture guess, the fine names and the
        setting (video frames get a guess on demand), `read_text=False` the text stage (half a second a frame: not
        while watching), `colour=False` the objects' colours (a video frame's are measured when an answer needs
        them: `for_answer`)."""
        return self.look(image, caption, read_text, colour=colour).scene()

    def for_answer(self, scene: Scene, image: LoadedImage) -> Scene:
        """A video frame's scene (analysed with `caption=False`, perhaps `colour=False`) with what an answer about it
        says and its announcements do not, made now: the whole-picture guess and the objects' colours. The same
        Scene when it has both already."""
        caption = "caption_s" not in scene.timings
        colourer = self.colourer if "colour_s" not in scene.timings else None
        if not caption and colourer is None:
            return scene
        guess = self._submit(_timed, self.captioner.caption, image, scene.detections) if caption else None
        colours = self._submit(_timed, colourer.colours, image.rgb, scene.detections) if colourer else None
        timings, detections, text = dict(scene.timings), scene.detections, scene.caption
        if colours is not None:
            detections, timings["colour_s"] = _coloured(detections, colours)
        if guess is not None:
            text, timings["caption_s"] = guess.result()
        return replace(scene, detections=detections, caption=text, timings=timings)

    def look(
        self,
        image: LoadedImage,
        caption: bool = True,
        read_text: bool = True,
        text_after: threading.Event | None = None,
        colour: bool = True,
    ) -> PendingText:
        """The objects in `image` at once (`.objects`), the text when read (`.scene()`). The text stage starts once
        `text_after` is set, when given, or as soon as someone waits for the text (`PendingText.scene`)."""
        timings: dict[str, float] = {}
        camera = camera_for(image.width, image.height, image.focal_35mm)

        start = time.perf_counter()
        picture = None
        if caption and self.picture_first is not None:
            picture = self._submit(_timed, self.picture_first, image, lane=self._second_lane)
        # Found down to a floor under the threshold, so that a box's second label can tell what it is (a "cow" among
        # horses that also scored as a horse); only what reaches the threshold is kept.
        floor = min([self.threshold, *(low for low, _ in self.label_bands.values())])
        found = self.detector.detect(image, floor * _SECOND_LABEL_FLOOR)
        sure = {d.label for d in found if self._band(d.label)[1] is not None and self._certain(d)}
        detections = [self._judge(d) for d in merge_duplicates(found, sure) if d.score >= self._band(d.label)[0]]
        if self.whole_frame_check is not None:
            detections = self.whole_frame_check(image, detections)
        if self.hedge_person_bound:  # before the colours: an unsure object gets none (colourer.py)
            detections = hedge_without_person(detections)
        timings["detect_s"] = time.perf_counter() - start

        # All four need the detections but not each other; the longest first (fine names: up to four crops).
        attributes = self._submit(_timed, self._attributes, image, detections) if caption else None
        colourer = self.colourer if colour else None
        colours = self._submit(_timed, colourer.colours, image.rgb, detections) if colourer else None
        depth_future = self._submit(_timed, self.depth.estimate_depth, image, detections, camera)
        caption_future = self._submit(_timed, self.captioner.caption, image, detections) if caption else None
        detections, timings["depth_s"] = depth_future.result()
        if colours is not None:  # depth keeps the detections' order
            detections, timings["colour_s"] = _coloured(detections, colours)
        text = ""
        if caption_future is not None:
            text, timings["caption_s"] = caption_future.result()
        setting = None
        if attributes is not None:
            (named, setting), timings["fine_names_s"] = attributes.result()
            if len(named) == len(detections):  # the same objects, in the same order
                detections = [replace(d, fine_name=n.fine_name, certain=n.certain) for d, n in zip(detections, named)]
        if picture is not None:
            timings["picture_s"] = picture.result()[1]
        timings["perception_s"] = time.perf_counter() - start

        # Reading starts once perception is done: started beside detection, it slowed detection 2.6 times on two
        # cores (`echollama bench text`), and beside the attributes it slowed them too; after them, only the text waits.
        reader = self.text_reader if read_text else None
        # Codes ride with the text, just before it on the same thread (about 0.05 s): never before the first sentence.
        codes: Future[tuple[CodeRegion, ...]] | None = None
        if reader is not None and self.code_reader is not None:
            codes = self._text_pool.submit(_after, text_after, _codes_read, self.code_reader, image)
        read = self._text_pool.submit(_after, text_after, _timed, reader.read, image) if reader is not None else None

        placed = [_place(d, image, camera) for d in detections]
        relations_start = time.perf_counter()
        relations = find_relations(placed, image.width, image.height)
        timings["relations_s"] = time.perf_counter() - relations_start
        scene = Scene(
            width=image.width,
            height=image.height,
            detections=placed,
            caption=text,
            depth_unit=self.depth.unit,
            camera=camera,
            source=image.source,
            matrix=format_matrix(placed, image.width, image.height),
            timings=timings,
            setting=setting,
            relations=relations,
        )
        if read is None:
            return PendingText(scene)
        return PendingText(scene, _placed_text(read, scene, start), text_after, codes)

    def _submit(self, function, *args, lane: Executor | None = None) -> Future:
        """`function(*args)` on a perception lane, or at once on this thread when there is one lane."""
        if self.lanes > 1:
            return (lane or self._pool).submit(function, *args)
        done: Future = Future()
        done.set_result(function(*args))
        return done

    def _attributes(self, image: LoadedImage, detections: list[Detection]) -> tuple[list[Detection], Setting | None]:
        """Fine names from the objects' crops (side by side where the namer has lanes), then the setting."""
        named = self.fine_names(image, detections) if self.fine_names is not None else detections
        setting = self.setting(image, [d.label for d in named if d.certain]) if self.setting is not None else None
        return named, setting

    def _band(self, label: str) -> tuple[float, float | None]:
        return self.label_bands.get(label, (self.threshold, self.certain_from))

    def _certain(self, detection: Detection) -> bool:
        certain_from = self._band(detection.label)[1]
        return certain_from is None or detection.score >= certain_from

    def _judge(self, detection: Detection) -> Detection:
        return detection if self._certain(detection) else replace(detection, certain=False)


def _place(detection: Detection, image: LoadedImage, camera) -> Detection:
    x, y = detection.center
    return replace(detection, cell=grid_cell(x, y, image.width, image.height), clock=clock_direction(x, camera))


def _coloured(detections: list[Detection], colours: Future) -> tuple[list[Detection], float]:
    """The detections with the colours `colours` measured (`_timed` over the colourer, which keeps the detections'
    order), and the seconds that took."""
    from echollama.scene.colourer import with_colours  # here, as above: only a colourer's user loads OpenCV

    found, colour_s = colours.result()
    return with_colours(detections, found), colour_s


def _placed_text(read: Future, scene: Scene, start: float) -> Future[tuple[list[TextRegion], dict[str, float]]]:
    """A future of the read text placed in the scene (cell, direction, the object it is written on, its distance),
    with the times it adds to the scene's."""
    placed: Future[tuple[list[TextRegion], dict[str, float]]] = Future()

    def when_read(done: Future) -> None:
        try:
            regions, read_s = done.result()
            placed_regions = [place_text(r, scene.detections, scene.width, scene.height) for r in regions]
            timings = {"text_s": read_s, "perception_with_text_s": time.perf_counter() - start}
            placed.set_result((placed_regions, timings))
        except BaseException as error:
            placed.set_exception(error)

    read.add_done_callback(when_read)  # runs at once, here, when the text was read before the objects were placed
    return placed


def _codes_read(reader: CodeReader, image: LoadedImage) -> tuple[CodeRegion, ...]:
    return tuple(reader.read(image))


def _after(event: threading.Event | None, function, *args):
    if event is not None:
        event.wait()
    return function(*args)


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start
