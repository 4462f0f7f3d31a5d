"""QR codes and barcodes read with the real zxing-cpp: ten codes rendered and "photographed" into real photos
(tests/code_photos.py), a real photo of four book barcodes (Debian opencv-doc), codes cut off or smudged past repair
(silence, never a wrong read), photos with no code, and `read` speaking what a code holds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from code_photos import CODES, Code, background, code_photos, photograph, render_code
from echollama.scene.code_reader import ZxingCodeReader, clean_text
from echollama.scene.image import LoadedImage, load_image
from echollama.types import CodeRegion, Scene
from paper_checkpoints import require
from rendered_text import OPENCV_EXAMPLES, opencv_doc_file

READER = ZxingCodeReader()


@pytest.fixture(scope="module", autouse=True)
def _libraries():
    for package in ("zxingcpp", "segno", "barcode"):
        require(package)


def _read(rgb: np.ndarray) -> list[CodeRegion]:
    return READER.read(LoadedImage(rgb=np.ascontiguousarray(rgb), source="test"))


def test_nine_of_ten_photographed_codes_are_read_exactly():
    results = [(code, _read(rgb)) for code, rgb in code_photos()]
    exact = [code.text for code, found in results if [c.text for c in found] == [code.text]]
    assert len(exact) >= 9, [(code.text, [c.text for c in found]) for code, found in results]
    for code, found in results:
        for region in found:  # whatever is read is placed, and named by its kind
            assert region.kind == ("QR code" if code.kind == "qr" else "barcode")
            assert region.cell and region.direction
            assert 0 <= region.box[0] < region.box[2] and 0 <= region.box[1] < region.box[3]


def test_a_real_photo_of_book_barcodes_reads_only_what_is_printed():
    photo = OPENCV_EXAMPLES.parent / "opencv4" / "html" / "4_barcodes.jpg"
    if not photo.is_file():
        pytest.fail(f"{photo} is missing; run `make setup-dev` as root (it installs Debian's opencv-doc)")
    found = READER.read(load_image(photo))
    printed = {"9787564350840", "9783319200064", "9787118081473", "9787122276124"}  # the four ISBNs, by eye
    assert len(found) >= 2 and {code.text for code in found} <= printed, found
    assert {code.symbology for code in found} == {"EAN-13"}


def test_a_code_cut_off_at_the_edge_or_smudged_is_not_read():
    card = render_code(CODES[0])
    half = card[:, : card.shape[1] // 2]  # the left half of a QR code at the photo's right edge
    cut = background(1).copy()
    cut[100 : 100 + half.shape[0], -half.shape[1] :] = half[..., None]
    assert _read(cut) == []
    smudged = card.copy()
    size = smudged.shape[0]
    smudged[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 0  # half its modules painted over
    assert _read(photograph(smudged, background(2), seed=7)) == []
    barcode = render_code(Code("ean13", "4006381333931"))
    torn = barcode[:, : barcode.shape[1] * 2 // 3]  # a third of the bars gone: the check digit cannot hold
    assert _read(photograph(torn, background(3), seed=8)) == []


@pytest.mark.parametrize("name", ["building.jpg", "fruits.jpg", "board.jpg", "left01.jpg", "stuff.jpg"])
def test_photos_without_codes_read_none(name):
    # a circuit board, a chessboard and shelves of things: stripes and squares that are not codes
    assert READER.read(load_image(opencv_doc_file(f"data/{name}"))) == []


def test_what_a_code_holds_is_cleaned_to_one_plain_line():
    assert clean_text("line one\nline\ttwo\x00\x07  end") == "line one line two end"
    assert clean_text("ＷＩＦＩ") == "WIFI"


def test_codes_go_into_json_and_back():
    code = CodeRegion(
        kind="QR code", symbology="QR Code", text="https://example.org", box=(1, 2, 30, 40), cell="Left Top"
    )
    scene = Scene(width=100, height=80, detections=[], caption="", depth_unit="metres", codes=(code,))
    data = json.loads(json.dumps(scene.to_dict()))
    assert data["codes"][0]["text"] == "https://example.org"
    assert Scene.from_dict(data) == scene
    assert Scene.from_dict({**data, "codes": []}).codes == ()
    with pytest.raises(ValueError):
        CodeRegion(kind="sticker", symbology="QR Code", text="x", box=(0, 0, 1, 1))
    with pytest.raises(ValueError):
        CodeRegion(kind="barcode", symbology="EAN-13", text=" ", box=(0, 0, 1, 1))


def test_read_speaks_the_code_and_json_carries_it(tmp_path):
    from echollama.config import PipelineConfig
    from echollama.profiles import build_profile
    from echollama.reading import read_aloud

    code, rgb = code_photos()[0]  # https://example.org/menu?table=4 on a building
    reading = read_aloud(
        build_profile(PipelineConfig()), LoadedImage(rgb=rgb, source="menu"), output=tmp_path / "menu.wav"
    )
    assert [c.text for c in reading.codes] == [code.text]
    assert "A QR code" in reading.spoken and "links to example.org." in reading.spoken
    assert "https" not in reading.spoken and "table=4" not in reading.spoken  # the address is named, not read out
    assert json.loads(json.dumps(reading.to_dict()))["codes"][0]["text"] == code.text


def test_a_scene_carries_the_codes_read_with_its_text():
    from echollama.config import PipelineConfig
    from echollama.pipeline import Pipeline

    code, rgb = code_photos()[1]  # the EAN-13 on the fruit
    pending = Pipeline(PipelineConfig()).look(LoadedImage(rgb=rgb, source="fruit"), llm=False)
    assert pending.objects.codes == ()  # the objects never wait for the codes...
    scene = pending.scene()  # ...which come with the text
    assert [(c.kind, c.symbology, c.text) for c in scene.codes] == [("barcode", "EAN-13", code.text)]
