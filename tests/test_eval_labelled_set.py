"""The hand-labelled photo set is complete and self-consistent (what eval's listener metrics measure against)."""

from collections import Counter

import pytest
from PIL import Image

from echollama.evaluation.labelled_set import PHOTOS_DIR, THIRDS, labelled_image, labelled_images, third_of
from echollama.scene.ssd_detector import COCO_LABELS

PHOTOS = [item for item in labelled_images() if item.source.startswith("photo:")]
COCO = set(COCO_LABELS.values())


def test_enough_real_photos_with_several_objects_within_the_size_budget():
    assert len(PHOTOS) >= 22
    assert sum(len(item.objects) >= 2 for item in PHOTOS) >= 22
    assert sum(f.stat().st_size for f in PHOTOS_DIR.glob("*.jpg")) <= 4 * 1024 * 1024
    assert {f.name for f in PHOTOS_DIR.glob("*.jpg")} == {item.source.removeprefix("photo:") for item in PHOTOS}


@pytest.mark.parametrize("item", labelled_images(), ids=lambda item: item.name)
def test_labels_are_consistent(item):
    width, height = item.size
    assert {"package", "path", "licence"} <= set(item.origin) and all(item.origin.values())
    for o in item.objects:
        assert o.label in COCO, o.label
        x1, y1, x2, y2 = o.box
        assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height, o
        assert o.third in THIRDS and o.third == third_of(o.box, width), o
    if item.objects:
        assert any(o.must_see for o in item.objects)
    counted = Counter(o.label for o in item.objects)
    assert all(counted[label] == n for label, n in item.counts.items())
    assert set(item.absent) <= COCO and not set(item.absent) & item.labels
    assert all(near in item.labels and far in item.labels for near, far in item.near_far)


@pytest.mark.parametrize("item", PHOTOS, ids=lambda item: item.name)
def test_stored_photo_matches_its_labelled_size(item):
    with Image.open(PHOTOS_DIR / item.source.removeprefix("photo:")) as photo:
        assert photo.size == item.size and max(photo.size) <= 800 and photo.format == "JPEG"


def test_a_photo_loads_as_upright_rgb():
    image = labelled_image("porch_dog_bicycle").load()
    assert (image.width, image.height) == labelled_image("porch_dog_bicycle").size and image.rgb.shape[2] == 3


@pytest.mark.parametrize(
    "x, third", [(0, "left"), (99, "left"), (100, "centre"), (199, "centre"), (200, "right"), (299, "right")]
)
def test_third_of_a_box_centre(x, third):
    assert third_of((x, 0, x, 10), 300) == third
