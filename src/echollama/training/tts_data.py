"""Orpheus training data (paper §7.2): audio -> 24 kHz -> SNAC codes -> redundant frames removed -> token sequence.

Each utterance becomes `[start of human] "speaker: text" [end of text] [end of human] [start of AI] [start of speech]
audio [end of speech] [end of AI]` (echollama.speech.orpheus_tokens, DESIGN.md §1).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from echollama.errors import EchollamaError, missing_extra
from echollama.paper import SNAC_SAMPLE_RATE
from echollama.speech.orpheus_tokens import ORPHEUS_FRAME_TOKENS, codes_to_tokens, training_ids

SPEAKER_COLUMNS = ("speaker", "source")  # the public Orpheus notebooks read "source"


@dataclass(frozen=True)
class Utterance:
    text: str
    audio: np.ndarray  # mono float32
    sample_rate: int
    speaker: str | None = None


def to_24khz(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at SNAC's 24 kHz (soxr, high quality)."""
    import soxr

    mono = np.asarray(audio, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    if sample_rate == SNAC_SAMPLE_RATE:
        return mono
    return soxr.resample(mono, sample_rate, SNAC_SAMPLE_RATE, quality="HQ").astype(np.float32)


def snac_codes(snac, audio_24k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SNAC level 0, 1, 2 codes (n, 2n, 4n) for 24 kHz mono audio."""
    import torch

    device = next(snac.parameters()).device
    with torch.inference_mode():
        codes = snac.encode(torch.from_numpy(audio_24k).reshape(1, 1, -1).to(device))
    return tuple(level.reshape(-1).cpu().numpy() for level in codes)


def remove_redundant_frames(tokens: list[int], mode: str = "level0") -> list[int]:
    """Drop frames that repeat the last kept one: by level-0 code (the public Orpheus recipe) or whole frame."""
    if mode == "none" or not tokens:
        return list(tokens)
    frames = [tokens[i : i + ORPHEUS_FRAME_TOKENS] for i in range(0, len(tokens), ORPHEUS_FRAME_TOKENS)]
    kept = [frames[0]]
    for frame in frames[1:]:
        same = frame[0] == kept[-1][0] if mode == "level0" else frame == kept[-1]
        if not same:
            kept.append(frame)
    return [token for frame in kept for token in frame]


def utterance_ids(tokenizer, snac, utterance: Utterance, dedupe: str = "level0") -> list[int]:
    """The whole training sequence for one utterance."""
    spoken = f"{utterance.speaker}: {utterance.text}" if utterance.speaker else utterance.text
    text_ids = tokenizer(spoken, add_special_tokens=True)["input_ids"]  # with BOS, as at inference
    audio = remove_redundant_frames(
        codes_to_tokens(*(c.tolist() for c in snac_codes(snac, to_24khz(utterance.audio, utterance.sample_rate)))),
        dedupe,
    )
    return training_ids(text_ids, audio)


def _read_audio(value, base: Path | None = None) -> tuple[np.ndarray, int]:
    import soundfile

    if isinstance(value, dict):  # a datasets Audio column read without decoding: {"bytes", "path"}
        source = io.BytesIO(value["bytes"]) if value.get("bytes") else value["path"]
    else:
        source = (base / value) if base is not None else value
    audio, rate = soundfile.read(source, dtype="float32", always_2d=False)
    return audio, int(rate)


def load_utterances(source: str, speaker: str | None = None, max_rows: int | None = None) -> Iterator[Utterance]:
    """From a folder with metadata.jsonl ({audio, text, speaker?}) or a hub dataset with audio and text columns."""
    folder = Path(source)
    if folder.is_dir():
        metadata = folder / "metadata.jsonl"
        if not metadata.is_file():
            raise EchollamaError(f'{folder} has no metadata.jsonl (one {{"audio", "text"}} object per line)')
        rows = [json.loads(line) for line in metadata.read_text(encoding="utf-8").splitlines() if line.strip()]
        base: Path | None = folder
    else:
        try:
            from datasets import Audio, load_dataset
        except ImportError:
            raise missing_extra("datasets", "train") from None
        rows = load_dataset(source, split="train").cast_column("audio", Audio(decode=False))
        base = None
    for index, row in enumerate(rows):
        if max_rows is not None and index >= max_rows:
            break
        audio, rate = _read_audio(row["audio"], base)
        who = next((row[c] for c in SPEAKER_COLUMNS if row.get(c)), speaker)
        yield Utterance(text=str(row["text"]).strip(), audio=audio, sample_rate=rate, speaker=who)


def prepare_dataset(tokenizer, snac, utterances, max_length: int, dedupe: str = "level0"):
    """A datasets.Dataset of input_ids / labels / attention_mask; utterances over `max_length` tokens are dropped."""
    from datasets import Dataset

    sequences = [
        ids for ids in (utterance_ids(tokenizer, snac, u, dedupe) for u in utterances) if len(ids) <= max_length
    ]
    if not sequences:
        raise EchollamaError(f"no utterance fits in {max_length} tokens")
    return Dataset.from_dict(
        {"input_ids": sequences, "labels": sequences, "attention_mask": [[1] * len(ids) for ids in sequences]}
    )
