"""What one `echollama serve` process allows: address, limits, lifetimes, where audio lives.

Defaults are safe for a laptop on a shared network: localhost only, no CORS, nothing written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from echollama.config import PipelineConfig
from echollama.scene.image import MAX_IMAGE_PIXELS
from echollama.speech.rate import check_rate


@dataclass
class ServerSettings:
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    host: str = "127.0.0.1"  # loopback unless told otherwise: the API has no authentication
    port: int = 8000
    # A phone photo is 2-12 MB; a 60 s WAV question about 6 MB. The whole request body is capped at this.
    max_upload_bytes: int = 20 * 1024 * 1024
    max_image_pixels: int = MAX_IMAGE_PIXELS
    max_frame_bytes: int = 2 * 1024 * 1024  # one live camera frame (a 1080p JPEG is about 0.5 MB)
    # Generations admitted at once (running + queued behind the model locks); the next one gets 503 + Retry-After.
    # llama.cpp runs one generation at a time, so a deeper queue only makes every waiting client later.
    max_generations: int = 4
    retry_after_s: int = 5
    request_timeout_s: float = 120.0  # one describe or answer, from admission to the last audio sample
    session_ttl_s: float = 30 * 60.0  # idle time after which a session (its scene and history) is forgotten
    session_lifetime_s: float = 2 * 3600.0  # a session is forgotten this long after it was opened, however busy
    max_sessions: int = 64
    max_sessions_per_client: int = 16  # per client address: one client cannot take every place
    max_turns: int = 50  # answers per session; the history (and its memory) stays bounded
    audio_ttl_s: float = 30 * 60.0
    max_audio_bytes: int = 256 * 1024 * 1024  # all kept answers together, in memory; the oldest go first
    audio_dir: Path | None = None  # also keep every WAV in this folder (off: nothing is written to disk)
    cors_origins: tuple[str, ...] = ()  # empty: no CORS headers, cross-site pages cannot call the API
    # Host names the server answers to besides localhost names, IP addresses, `host` and the CORS origins' hosts
    # (a DNS-rebinding page arrives under its own name and is refused).
    allowed_hosts: tuple[str, ...] = ()
    # Open connections (beyond them a connection waiting for its headers is closed, else 503: connection_guard.py),
    # the time a request's headers may take, WebSockets in all and per session, the silence after which a WebSocket
    # is closed, how long a request body may stall before 408, and the rate it must keep after that long.
    max_connections: int = 128
    header_timeout_s: float = 10.0
    max_websockets: int = 64
    max_websockets_per_session: int = 4
    websocket_idle_s: float = 300.0
    body_timeout_s: float = 10.0
    min_body_rate: int = 1024  # bytes/s on average, from body_timeout_s after the request began
    # Pixels decoded (or held decoded by the job that decoded them) at once, uploads and live frames together: a
    # decode peaks at about 15 bytes a pixel, so this bounds memory whatever mix arrives. A decode that does not fit
    # waits up to decode_wait_s in line, then gets 503 + Retry-After.
    max_decode_pixels: int = 72_000_000
    decode_wait_s: float = 30.0
    asr: str = "whisper"
    rate: float = 1.0  # speech rate for requests that name none (speech/rate.py)

    def __post_init__(self) -> None:
        for name in (
            "max_upload_bytes",
            "max_image_pixels",
            "max_frame_bytes",
            "max_generations",
            "max_sessions",
            "max_sessions_per_client",
            "max_turns",
            "max_audio_bytes",
            "max_connections",
            "max_websockets",
            "max_websockets_per_session",
            "min_body_rate",
            "max_decode_pixels",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in (
            "request_timeout_s",
            "session_ttl_s",
            "session_lifetime_s",
            "audio_ttl_s",
            "websocket_idle_s",
            "body_timeout_s",
            "header_timeout_s",
            "decode_wait_s",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_decode_pixels < self.max_image_pixels:
            raise ValueError("max_decode_pixels must be at least max_image_pixels (else the largest photo never fits)")
        check_rate(self.rate, "rate")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a TCP port")
        if self.audio_dir is not None:
            self.audio_dir = Path(self.audio_dir)
