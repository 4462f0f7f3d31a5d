"""Black, grey and white things and greyscale photos: a greyscale picture is known by its exactly grey pixels, drawings
on it notwithstanding, and a colour photo of nearly colourless things (a black dog on a grey backdrop, a dim bar) is
still a colour photo whose objects get their colours."""

import cv2
import numpy as np

from echollama.evaluation.labelled_set import labelled_image
from echollama.scene.colourer import ObjectColourer
from echollama.scene.object_colour import greyscale_photo, name_colour
from echollama.types import Detection


def _jpeg(rgb: np.ndarray, quality: int = 75) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1]


def test_a_greyscale_photo_with_coloured_drawings_on_it_is_still_greyscale():
    photo = labelled_image("office_basketball").load().rgb.copy()  # a black-and-white photo, stored as RGB
    cv2.rectangle(photo, (100, 80), (300, 250), (255, 0, 0), 3)  # a detector's box and label drawn on it
    cv2.putText(photo, "sports ball 0.93", (100, 70), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 255, 0), 2)
    cv2.rectangle(photo, (20, 20), (80, 60), (0, 0, 255), -1)
    assert greyscale_photo(_jpeg(photo))


def test_a_tinted_black_and_white_photo_with_nothing_coloured_is_greyscale():
    grey = labelled_image("office_basketball").load().rgb.astype(np.int16)
    noise = np.random.default_rng(0).integers(-2, 3, grey.shape)
    tinted = np.clip(grey + np.array([4, 1, -3]) + noise, 0, 255).astype(np.uint8)  # a scan's warm tint and noise
    assert greyscale_photo(tinted)


def test_a_colour_photo_of_dull_things_in_dim_light_is_a_colour_photo():
    # A couple in a dim bar, black and grey clothes: median chroma 2.9, once taken for a greyscale photo.
    assert not greyscale_photo(labelled_image("bar_couple_glasses").load().rgb)


def test_a_colour_photo_whose_grey_parts_are_clipped_white_is_a_colour_photo():
    # A red ball on a flat white page: the page is exactly grey but clipped, so it says nothing of the camera.
    page = np.full((240, 320, 3), 255, np.uint8)
    cv2.circle(page, (160, 120), 50, (200, 30, 30), -1)
    assert not greyscale_photo(_jpeg(page, 90))


def test_pale_yellowish_fur_is_light_brown_not_pink():
    # A tabby's light fur: L 83, hue 80 degrees (yellowish), chroma 16; light pink's hue is 5 degrees.
    fur = np.repeat(np.array([[83.0, 2.8, 15.8]], np.float32), 400, axis=0)
    colour = name_colour(fur, "test")
    assert colour is not None and colour.words == "brown"


def test_a_screen_gets_no_colour_from_the_picture_it_shows():
    photo = np.full((240, 320, 3), 120, np.uint8)
    photo += np.random.default_rng(0).integers(0, 6, photo.shape, dtype=np.uint8)  # a camera's noise
    photo[60:180, 80:240] = (230, 80, 150)  # a pink wallpaper on the screen
    screens = [Detection(label, 0.9, (80.0, 60.0, 240.0, 180.0)) for label in ("tv", "laptop")]
    assert ObjectColourer().colours(photo, screens) == [None, None]
