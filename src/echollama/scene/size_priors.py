"""Typical real-world sizes of the COCO classes, for turning a box's pixel size into metres.

(height, horizontal extent) in metres; the extent averages the object's width and length, because a box sees either.
`STANDS_ON_FLOOR` lists classes whose box bottom usually touches the ground, which the ground-plane cue needs.
Rough by nature: an adult is 1.7 m, a chair 0.9 m; the estimator combines cues to soften any one prior's error.
"""

SIZE_PRIORS_M: dict[str, tuple[float, float]] = {
    "person": (1.70, 0.50), "bicycle": (1.05, 1.20), "car": (1.50, 3.00), "motorcycle": (1.15, 1.50),
    "airplane": (10.0, 30.0), "bus": (3.00, 7.00), "train": (3.80, 12.0), "truck": (3.00, 5.00),
    "boat": (2.00, 5.00), "traffic light": (0.90, 0.35), "fire hydrant": (0.75, 0.40), "stop sign": (0.75, 0.75),
    "parking meter": (1.40, 0.30), "bench": (0.85, 1.40), "bird": (0.25, 0.25), "cat": (0.30, 0.40),
    "dog": (0.55, 0.70), "horse": (1.60, 1.90), "sheep": (0.90, 1.10), "cow": (1.40, 1.80),
    "elephant": (3.00, 4.50), "bear": (1.20, 1.80), "zebra": (1.40, 1.80), "giraffe": (5.00, 2.50),
    "backpack": (0.50, 0.32), "umbrella": (0.90, 1.00), "handbag": (0.30, 0.35), "tie": (0.45, 0.09),
    "suitcase": (0.65, 0.45), "frisbee": (0.03, 0.27), "skis": (0.10, 1.70), "snowboard": (0.10, 1.50),
    "sports ball": (0.22, 0.22), "kite": (0.80, 1.00), "baseball bat": (0.80, 0.80), "baseball glove": (0.30, 0.25),
    "skateboard": (0.12, 0.80), "surfboard": (0.40, 2.00), "tennis racket": (0.68, 0.30), "bottle": (0.25, 0.08),
    "wine glass": (0.20, 0.08), "cup": (0.10, 0.10), "fork": (0.02, 0.19), "knife": (0.02, 0.22),
    "spoon": (0.02, 0.16), "bowl": (0.08, 0.16), "banana": (0.05, 0.18), "apple": (0.08, 0.08),
    "sandwich": (0.07, 0.14), "orange": (0.08, 0.08), "broccoli": (0.15, 0.15), "carrot": (0.04, 0.18),
    "hot dog": (0.05, 0.18), "pizza": (0.03, 0.35), "donut": (0.04, 0.10), "cake": (0.12, 0.25),
    "chair": (0.90, 0.50), "couch": (0.85, 2.00), "potted plant": (0.60, 0.40), "bed": (0.60, 1.80),
    "dining table": (0.75, 1.40), "toilet": (0.75, 0.55), "tv": (0.60, 1.00), "laptop": (0.24, 0.34),
    "mouse": (0.04, 0.07), "remote": (0.03, 0.17), "keyboard": (0.03, 0.44), "cell phone": (0.15, 0.08),
    "microwave": (0.30, 0.48), "oven": (0.90, 0.60), "toaster": (0.20, 0.28), "sink": (0.25, 0.55),
    "refrigerator": (1.75, 0.75), "book": (0.23, 0.16), "clock": (0.30, 0.30), "vase": (0.30, 0.15),
    "scissors": (0.20, 0.10), "teddy bear": (0.40, 0.30), "hair drier": (0.25, 0.22), "toothbrush": (0.19, 0.03),
}

STANDS_ON_FLOOR = frozenset({
    "person", "bicycle", "car", "motorcycle", "bus", "train", "truck", "fire hydrant", "parking meter", "bench",
    "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "suitcase", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "oven", "refrigerator",
})

# An unknown label still gets a distance, with a deliberately vague 0.5 m object.
FALLBACK_SIZE_M = (0.5, 0.5)
