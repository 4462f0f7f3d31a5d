"""Orpheus token layout, pure logic: token ids <-> SNAC codes on a hand-computed frame, prompts, streaming frames.

Run: .venv/bin/python -m pytest -q tests/test_paper_orpheus_tokens.py
"""

import numpy as np
import pytest

from echollama.speech.orpheus_tokens import (
    FrameAssembler,
    audio_tokens,
    codes_to_tokens,
    inference_prompt,
    tokens_to_codes,
    training_ids,
)

# Frame 0 codes: L0 = [5]; L1 = [7, 9]; L2 = [1, 2, 3, 4]. Frame 1: L0 = [4095]; L1 = [0, 10]; L2 = [11, 12, 13, 14].
# Token order L0[i], L1[2i], L2[4i], L2[4i+1], L1[2i+1], L2[4i+2], L2[4i+3]; token k adds 128266 + k*4096.
L0, L1, L2 = [5, 4095], [7, 9, 0, 10], [1, 2, 3, 4, 11, 12, 13, 14]
TOKENS = [
    128266 + 5,
    132362 + 7,
    136458 + 1,
    140554 + 2,
    144650 + 9,
    148746 + 3,
    152842 + 4,
    128266 + 4095,
    132362 + 0,
    136458 + 11,
    140554 + 12,
    144650 + 10,
    148746 + 13,
    152842 + 14,
]


def test_codes_to_tokens_on_a_hand_computed_example():
    assert codes_to_tokens(L0, L1, L2) == TOKENS
    assert TOKENS[:7] == [128271, 132369, 136459, 140556, 144659, 148749, 152846]


def test_tokens_to_codes_inverts_it():
    l0, l1, l2 = tokens_to_codes(TOKENS)
    assert l0.tolist() == L0 and l1.tolist() == L1 and l2.tolist() == L2


def test_round_trip_on_random_codes():
    rng = np.random.default_rng(0)
    frames = 50
    codes = [rng.integers(0, 4096, size=n * frames) for n in (1, 2, 4)]
    tokens = codes_to_tokens(*codes)
    assert len(tokens) == 7 * frames
    back = tokens_to_codes(tokens)
    assert all(np.array_equal(a, b) for a, b in zip(codes, back))


@pytest.mark.parametrize("bad", [TOKENS[:6], [TOKENS[1], *TOKENS[1:7]], [128265, *TOKENS[1:7]]])
def test_misplaced_or_partial_tokens_are_refused(bad):
    with pytest.raises(ValueError):
        tokens_to_codes(bad)


def test_codes_with_wrong_level_sizes_are_refused():
    with pytest.raises(ValueError):
        codes_to_tokens([1], [1], [1, 2, 3, 4])
    with pytest.raises(ValueError):
        codes_to_tokens([4096], [1, 2], [1, 2, 3, 4])


def test_prompt_and_training_layout():
    text = [128000, 9906, 1917]  # BOS "Hello world"
    assert inference_prompt(text) == [128259, 128000, 9906, 1917, 128009, 128260, 128261, 128257]
    assert training_ids(text, TOKENS[:7]) == [*inference_prompt(text), *TOKENS[:7], 128258, 128262]


def test_audio_tokens_keeps_whole_frames_after_the_last_start_of_speech():
    generated = [128257, 999, 128257, *TOKENS, TOKENS[0], 128258, *TOKENS[:7]]
    assert audio_tokens(generated) == TOKENS


def test_frame_assembler_streams_one_frame_per_seven_tokens():
    assembler = FrameAssembler()
    out = [assembler.push(t) for t in [*TOKENS, 128258, *TOKENS[:7]]]
    frames = [codes for codes in out if codes is not None]
    assert [i for i, codes in enumerate(out) if codes is not None] == [6, 13]
    assert [c.tolist() for c in frames[1]] == [[4095], [0, 10], [11, 12, 13, 14]]
    assert assembler.finished  # nothing after end of speech


def test_frame_assembler_drops_a_token_out_of_place():
    assembler = FrameAssembler()
    out = [assembler.push(t) for t in [TOKENS[0], TOKENS[0], *TOKENS[1:7]]]
    assert assembler.dropped == 1 and out[-1] is not None
