"""Speech: text-to-speech backends, sentence streaming, and writing audio files."""
