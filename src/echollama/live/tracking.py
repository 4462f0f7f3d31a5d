"""Following objects from frame to frame with ByteTrack (Roboflow's `trackers` on supervision's Detections).

ByteTrack matches boxes by overlap, not by class, so each kind gets its own tracker: a person is never continued as
the chair they walk past. Labels a detector swaps for one object from frame to frame share a tracker (a parked van is a
car in one frame and a truck in the next; with its own tracker each, it was announced anew each time). A track gets its number once it has been matched in `MIN_FRAMES` frames in a row, so a
one-frame false detection never becomes an object; a track lost for `LOST_AFTER_S` seconds is ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from echollama.errors import missing_extra
from echollama.types import Detection, Scene

MIN_FRAMES = 2
LOST_AFTER_S = 1.5  # a person hidden behind another for a moment keeps their track
# Boxes 0.55 to 0.80 are said as "possibly" (scene.analyze); they still continue a track in ByteTrack's second stage.
START_TRACK_FROM = 0.55
HIGH_SCORE_FROM = 0.65
MIN_OVERLAP = 0.1  # sampled at a few frames a second, a walking person's boxes overlap little
TRACKED_AS = {"truck": "car", "bus": "car"}  # label -> the kind whose tracker follows it


@dataclass(frozen=True)
class Tracked:
    """One object in the current frame, with the number it keeps for as long as it is followed."""

    track_id: int
    detection: Detection  # as perception placed it in this frame (distance, clock, certainty)


class ObjectTracker:
    def __init__(self, frame_rate: float) -> None:
        try:
            import supervision  # noqa: F401
            import trackers  # noqa: F401
        except ImportError:
            raise missing_extra("trackers", "embedded") from None
        self.frame_rate = frame_rate
        self._by_label: dict[str, Any] = {}
        self._numbers: dict[tuple[str, int], int] = {}  # (label, that tracker's id) -> one number across labels

    def _tracker(self, label: str):
        if label not in self._by_label:
            from trackers import ByteTrackTracker

            self._by_label[label] = ByteTrackTracker(
                lost_track_buffer=round(LOST_AFTER_S * 30),  # counted in frames at 30 frames a second
                frame_rate=self.frame_rate,
                track_activation_threshold=START_TRACK_FROM,
                minimum_consecutive_frames=MIN_FRAMES,
                minimum_iou_threshold=MIN_OVERLAP,
                high_conf_det_threshold=HIGH_SCORE_FROM,
            )
        return self._by_label[label]

    def update(self, scene: Scene, at_s: float) -> list[Tracked]:
        """The confirmed tracks seen in this frame (every label's tracker advances, seen or not)."""
        import supervision as sv

        by_kind: dict[str, list[Detection]] = {}
        for detection in scene.detections:
            by_kind.setdefault(TRACKED_AS.get(detection.label, detection.label), []).append(detection)
        tracked: list[Tracked] = []
        for label in set(by_kind) | set(self._by_label):
            detections = by_kind.get(label, [])
            boxes = np.array([d.box for d in detections], dtype=np.float32).reshape(-1, 4)
            scores = np.array([d.score for d in detections], dtype=np.float32)
            found = sv.Detections(xyxy=boxes, confidence=scores, data={"index": np.arange(len(detections))})
            result = self._tracker(label).update(found, timestamp=at_s)
            for index, track in zip(result.data.get("index", []), result.tracker_id):
                if track < 0:
                    continue
                number = self._numbers.setdefault((label, int(track)), len(self._numbers) + 1)
                tracked.append(Tracked(number, detections[int(index)]))
        return sorted(tracked, key=lambda t: t.track_id)
