"""`echollama eval`'s text figures: CER per opencv-doc scene-text photo and for the set, and no text read on the
photos without any (real reader, real photos)."""

from __future__ import annotations

from echollama.evaluation.text_eval import TEXT_PHOTOS, evaluate_text
from rendered_text import opencv_photo


def test_eval_reports_cer_per_photo_and_for_the_set():
    for name in TEXT_PHOTOS:
        opencv_photo(name)  # fails naming `make setup-dev` when opencv-doc is missing
    report = evaluate_text()
    assert set(report["images"]) == set(TEXT_PHOTOS)
    assert all(0.0 <= entry["cer"] <= 0.6 for entry in report["images"].values())
    assert report["images"]["scenetext03.jpg"]["cer"] <= 0.1
    assert 0.0 < report["cer"] <= 0.3  # the set's figure: all edits over all reference characters
    assert report["spurious_reads"] == 0, report["no_text_photos"]
