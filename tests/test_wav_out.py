"""The WAV writer: the usual permissions for the finished file, without ever touching the process umask."""

import os
import stat

import numpy as np
import pytest
import soundfile

from echollama.speech.wav_out import WavWriter


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_wav_gets_the_mode_the_umask_asks_for(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        with WavWriter(tmp_path / "out.wav", 16000) as wav:
            wav.write(np.zeros(1600, dtype=np.float32))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.wav").stat().st_mode) == mode
    assert soundfile.info(tmp_path / "out.wav").frames == 1600


def test_writing_never_sets_the_umask(tmp_path, monkeypatch):
    """os.umask can only be read by setting it, and for that moment every other thread's new files take the
    temporary value (0 made them world-writable). The writer must not call it at all."""
    calls = []
    monkeypatch.setattr(os, "umask", lambda mask: calls.append(mask) or 0o022)
    with WavWriter(tmp_path / "out.wav", 16000) as wav:
        wav.write(np.zeros(160, dtype=np.float32))
    WavWriter(tmp_path / "aborted.wav", 16000).abort()
    assert calls == []
