"""Orpheus token layout: prompts, and the mapping between LLM token ids and SNAC 24 kHz codes (both directions).

A SNAC frame is 1 + 2 + 4 codes (levels 0, 1, 2), written as 7 tokens L0[i], L1[2i], L2[4i], L2[4i+1], L1[2i+1],
L2[4i+2], L2[4i+3], token k offset by 128266 + k*4096 (DESIGN.md §1, checked against public Orpheus-TTS code).
Pure numpy: the TTS fine-tune uses `codes_to_tokens` / `training_ids`, inference the other direction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

# Orpheus token layout (public Orpheus-TTS sources, not the paper; DESIGN.md §1): Llama-3 ids, then 10 specials,
# then 7 blocks of 4096 audio codes, one block per position inside a SNAC frame.
ORPHEUS_START_OF_TEXT = 128000

ORPHEUS_END_OF_TEXT = 128009

ORPHEUS_START_OF_SPEECH = 128257

ORPHEUS_END_OF_SPEECH = 128258

ORPHEUS_START_OF_HUMAN = 128259

ORPHEUS_END_OF_HUMAN = 128260

ORPHEUS_START_OF_AI = 128261

ORPHEUS_END_OF_AI = 128262

ORPHEUS_PAD = 128263

ORPHEUS_AUDIO_OFFSET = 128266

SNAC_CODEBOOK_SIZE = 4096

ORPHEUS_FRAME_TOKENS = 7  # SNAC 24 kHz frame: 1 + 2 + 4 codes (levels 0, 1, 2)

ORPHEUS_VOCAB_SIZE = ORPHEUS_AUDIO_OFFSET + ORPHEUS_FRAME_TOKENS * SNAC_CODEBOOK_SIZE  # 156938

# Which SNAC level and which code of that level inside the frame each of the 7 tokens carries.
FRAME_LAYOUT = ((0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (2, 2), (2, 3))
CODES_PER_LEVEL = (1, 2, 4)


def token_offset(position: int) -> int:
    """Id of code 0 for token `position` (0..6) of a frame."""
    return ORPHEUS_AUDIO_OFFSET + position * SNAC_CODEBOOK_SIZE


def is_audio_token(token: int, position: int) -> bool:
    return token_offset(position) <= token < token_offset(position) + SNAC_CODEBOOK_SIZE


def inference_prompt(text_ids: Sequence[int]) -> list[int]:
    """[start of human] text [end of text] [end of human] [start of AI] [start of speech]: the model continues with audio.

    `text_ids` is the tokenizer's output with its BOS, as in training; the prompt runs up to start of speech, as the
    public Orpheus engine does, so every generated token belongs to the audio.
    """
    return [
        ORPHEUS_START_OF_HUMAN,
        *text_ids,
        ORPHEUS_END_OF_TEXT,
        ORPHEUS_END_OF_HUMAN,
        ORPHEUS_START_OF_AI,
        ORPHEUS_START_OF_SPEECH,
    ]


def training_ids(text_ids: Sequence[int], audio_tokens: Sequence[int]) -> list[int]:
    """One training sequence: the inference prompt, the audio tokens, [end of speech] [end of AI]."""
    return [*inference_prompt(text_ids), *audio_tokens, ORPHEUS_END_OF_SPEECH, ORPHEUS_END_OF_AI]


def codes_to_tokens(level0: Sequence[int], level1: Sequence[int], level2: Sequence[int]) -> list[int]:
    """SNAC codes (n, 2n and 4n of them) as the 7n Orpheus token ids."""
    l0, l1, l2 = (np.asarray(level, dtype=np.int64).reshape(-1) for level in (level0, level1, level2))
    frames = l0.size
    if l1.size != 2 * frames or l2.size != 4 * frames:
        raise ValueError(f"SNAC levels must hold n, 2n, 4n codes; got {l0.size}, {l1.size}, {l2.size}")
    for level in (l0, l1, l2):
        if level.size and (level.min() < 0 or level.max() >= SNAC_CODEBOOK_SIZE):
            raise ValueError(f"SNAC codes must be in [0, {SNAC_CODEBOOK_SIZE})")
    levels = (l0.reshape(frames, 1), l1.reshape(frames, 2), l2.reshape(frames, 4))
    columns = [levels[level][:, index] + token_offset(k) for k, (level, index) in enumerate(FRAME_LAYOUT)]
    return np.stack(columns, axis=1).reshape(-1).tolist() if frames else []


def tokens_to_codes(tokens: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """7n Orpheus audio token ids back to SNAC codes of shape (n,), (2n,), (4n,); ValueError on a misplaced token."""
    ids = np.asarray(tokens, dtype=np.int64).reshape(-1)
    if ids.size % ORPHEUS_FRAME_TOKENS:
        raise ValueError(f"{ids.size} audio tokens is not a whole number of {ORPHEUS_FRAME_TOKENS}-token frames")
    frames = ids.reshape(-1, ORPHEUS_FRAME_TOKENS) - np.array([token_offset(k) for k in range(ORPHEUS_FRAME_TOKENS)])
    if frames.size and (frames.min() < 0 or frames.max() >= SNAC_CODEBOOK_SIZE):
        raise ValueError("a token is not the audio code expected at its place in the frame")
    levels: list[list[np.ndarray]] = [[None] * n for n in CODES_PER_LEVEL]  # type: ignore[list-item]
    for k, (level, index) in enumerate(FRAME_LAYOUT):
        levels[level][index] = frames[:, k]
    return tuple(np.stack(parts, axis=1).reshape(-1) for parts in levels)  # type: ignore[return-value]


def audio_tokens(generated: Iterable[int]) -> list[int]:
    """The audio part of a generation: after the last start of speech, up to end of speech, whole frames only."""
    ids = list(generated)
    if ORPHEUS_START_OF_SPEECH in ids:
        ids = ids[len(ids) - ids[::-1].index(ORPHEUS_START_OF_SPEECH) :]
    if ORPHEUS_END_OF_SPEECH in ids:
        ids = ids[: ids.index(ORPHEUS_END_OF_SPEECH)]
    ids = [t for t in ids if t >= ORPHEUS_AUDIO_OFFSET]
    return ids[: len(ids) - len(ids) % ORPHEUS_FRAME_TOKENS]


class FrameAssembler:
    """Collects generated ids into 7-token frames as they stream in; returns each frame's codes once complete."""

    def __init__(self) -> None:
        self._pending: list[int] = []
        self.finished = False
        self.dropped = 0  # tokens that were not the audio code expected at their place (frame realigned)

    def push(self, token: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        if self.finished:
            return None
        if token == ORPHEUS_END_OF_SPEECH:
            self.finished = True
            return None
        if token == ORPHEUS_START_OF_SPEECH:
            self._pending = []  # speech (re)starts: whatever came before was not audio
            return None
        if not is_audio_token(token, len(self._pending)):
            self.dropped += 1
            return None
        self._pending.append(token)
        if len(self._pending) < ORPHEUS_FRAME_TOKENS:
            return None
        frame, self._pending = self._pending, []
        return tokens_to_codes(frame)
