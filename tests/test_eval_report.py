"""The HTML report (Jinja2 template) on a small hand-made result: accessible structure, escaping, the figures shown."""

import re
from html.parser import HTMLParser

from echollama.evaluation.html_report import HEADLINE_COLUMNS, headline_rows, write_html
from echollama.evaluation.labelled_set import labelled_image
from echollama.evaluation.listener import score_description, summarise_listener
from echollama.evaluation.spoken_eval import question_scores

PORCH = labelled_image("porch_dog_bicycle")
PAPER_TEXT = "Left Top: one dog at r(135, 309), confidence 0.96. A cat <b>sleeps</b> on the right."
GROUNDED_TEXT = "A dog is on your left, about 1.5 metres away. A bicycle is straight ahead. A pickup is on your right."


def _llm(text, seconds, questions):
    heard = score_description(text, PORCH, seconds)
    return {
        "llm": "SmolLM2",
        "grounding": {"agreement": None, "spatial_claims": 0, "hallucination_rate": None, "by_kind": {}, "mentions": 0},
        "listener": summarise_listener([heard]),
        "latency_median": {"first_audio_s": 1.25},
        "waterfall": "images/latency-tiny.png",
        "questions": question_scores(questions),
        "per_image": {
            "porch_dog_bicycle": {
                "answer": text,
                "audio": "audio/tiny-porch.wav",
                "agreement": None,
                "hallucinated": [],
                "claims": [],
                "listener": heard.to_dict(),
            }
        },
    }


def _result():
    rows = [
        {
            "image": "porch_dog_bicycle",
            "question": "Where is the dog?",
            "heard": "where is the dog",
            "answer": "The dog is on your left.",
            "answered_by": "scene",
            "correct": True,
            "first_audio_s": 0.4,
        },
        {
            "image": "porch_dog_bicycle",
            "question": "What animals can you see?",
            "heard": "what animals",
            "answer": "A cat.",
            "answered_by": "llm",
            "correct": False,
            "first_audio_s": 2.0,
        },
    ]
    return {
        "images": ["porch_dog_bicycle"],
        "depth": None,
        "detection": {
            "threshold": 0.5,
            "precision": 1.0,
            "recall": 0.5,
            "mean_iou_of_matches": 0.8,
            "per_image": {
                "porch_dog_bicycle": {
                    "precision": 1.0,
                    "recall": 0.5,
                    "tp": 2,
                    "fp": 0,
                    "fn": 2,
                    "found": ["dog 0.90", "bicycle 0.80"],
                }
            },
        },
        "llms": {"tiny/paper": _llm(PAPER_TEXT, 21.0, rows), "tiny/grounded": _llm(GROUNDED_TEXT, 8.5, rows)},
    }


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.images_without_alt, self.headers_without_scope = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.images_without_alt += tag == "img" and not attrs.get("alt")
        self.headers_without_scope += tag == "th" and attrs.get("scope") not in ("col", "row")


def test_report_is_accessible_and_shows_the_listener_figures(tmp_path):
    result = _result()
    html = write_html(result, tmp_path / "index.html").read_text()
    structure = _Structure()
    structure.feed(html)
    assert structure.tags.count("h1") == 1 and "h2" in structure.tags and "table" in structure.tags
    assert structure.images_without_alt == 0 and structure.headers_without_scope == 0
    assert "<b>sleeps</b>" not in html and "&lt;b&gt;sleeps&lt;/b&gt;" in html  # the model's text is escaped
    assert 'lang="en"' in html and "<caption>" in html
    assert re.search(r"answered from the scene 100% of 1,\s+answered by the LLM 0% of 1", html)
    assert 'dog "left" right; bicycle "straight ahead" right' in html and "grid cell" in html
    assert re.search(r"CHAIR-i &lt;= 3%</th><td>not met</td><td>met</td>", html)


def test_headline_rows_against_hand_worked_figures():
    rows = {row[0]: dict(zip(HEADLINE_COLUMNS, row)) for row in headline_rows(_result())}
    paper, grounded = rows["tiny/paper"], rows["tiny/grounded"]
    assert paper["invented objects"] == "50%" and paper["absent objects named"] == 1  # the cat, of {dog, cat}
    assert grounded["invented objects"] == "0%" and grounded["positions right"] == "100%"
    assert grounded["must-see named"] == "100%" and grounded["readouts per description"] == "0.0"
    assert paper["readouts per description"] != "0.0" and grounded["speech (median)"] == "8.5 s"
    assert grounded["questions right (scene)"] == "100%" and grounded["questions right (LLM)"] == "0%"
