"""`echollama serve`: the web page and HTTP/WebSocket API on this machine (see echollama.server).

Binds to 127.0.0.1 unless --host says otherwise; models load in the background while the server already answers.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from echollama.cli.options import add_pipeline_options, add_rate_option, pipeline_config, speech_rate
from echollama.server.settings import ServerSettings


def register(commands) -> None:
    defaults = ServerSettings()
    parser = commands.add_parser(
        "serve",
        help="serve the accessible web page and the HTTP/WebSocket API (photo in, speech out, questions)",
        description="Open http://HOST:PORT/ in a browser: choose or take a photo, hear its description, hold the "
        "talk button (or Space) to ask about it. API reference at /docs (OpenAPI: /openapi.json). "
        "GET /healthz says when models are ready.",
        epilog="examples:\n  echollama serve --llm 0.5b\n"
        "  echollama serve --host 0.0.0.0 --ssl-certfile cert.pem --ssl-keyfile key.pem   # phones on the LAN\n"
        "Browsers allow the microphone only on https:// or on localhost.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host", default=defaults.host, help="address to listen on (default %(default)s: this machine only)"
    )
    parser.add_argument("--port", type=int, default=defaults.port, help="TCP port (default %(default)s)")
    parser.add_argument(
        "--max-upload-mb",
        type=float,
        default=defaults.max_upload_bytes / 2**20,
        help="largest request body in MiB (default %(default)g)",
    )
    parser.add_argument(
        "--max-generations",
        type=int,
        default=defaults.max_generations,
        help="answers admitted at once, running or queued; more get 503 + Retry-After (default %(default)s)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=defaults.request_timeout_s,
        help="seconds one description or answer may take (default %(default)g)",
    )
    parser.add_argument(
        "--session-ttl",
        type=float,
        default=defaults.session_ttl_s,
        help="seconds an idle session is kept (default %(default)g)",
    )
    parser.add_argument(
        "--audio-dir", type=Path, help="also save every spoken answer as a WAV here (default: memory only)"
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow this web origin (e.g. https://app.example) to call the API; repeatable (default: none)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name (e.g. mybox.local); localhost names, IP addresses, --host and "
        "the --cors-origin hosts are always allowed, any other name is refused (DNS rebinding)",
    )
    _add_limits(parser.add_argument_group("limits"), defaults)
    parser.add_argument(
        "--asr",
        choices=["whisper", "sphinx"],
        default=defaults.asr,
        help="speech recogniser for spoken questions (default %(default)s)",
    )
    parser.add_argument(
        "--ssl-certfile", type=Path, help="serve https:// with this certificate (needed for phone microphones)"
    )
    parser.add_argument("--ssl-keyfile", type=Path, help="the certificate's private key")
    add_rate_option(parser)  # for requests that name no rate (the page always names one)
    add_pipeline_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = pipeline_config(args)
    from echollama.errors import EchollamaError, missing_extra

    try:
        import uvicorn
    except ImportError:
        raise missing_extra("uvicorn", "server") from None
    if (args.ssl_certfile is None) != (args.ssl_keyfile is None):
        raise EchollamaError("--ssl-certfile and --ssl-keyfile go together")
    try:
        settings = ServerSettings(
            pipeline=config,
            host=args.host,
            port=args.port,
            max_upload_bytes=int(args.max_upload_mb * 2**20),
            max_generations=args.max_generations,
            request_timeout_s=args.request_timeout,
            session_ttl_s=args.session_ttl,
            audio_dir=args.audio_dir,
            cors_origins=tuple(args.cors_origin),
            allowed_hosts=tuple(args.allow_host),
            asr=args.asr,
            rate=speech_rate(args),
            **{name: getattr(args, name) for name, _, _ in LIMITS},
        )
    except ValueError as error:
        raise EchollamaError(str(error)) from None
    from echollama.server.app import create_app
    from echollama.server.connection_guard import guarded_protocol
    from echollama.server.heap import return_big_frees_to_the_system

    return_big_frees_to_the_system()  # before the models load and the first photo is decoded
    app = create_app(settings)
    scheme = "https" if args.ssl_certfile else "http"
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"echollama: serving {scheme}://{shown}:{args.port}/ (API reference at /docs); models are loading",
        file=sys.stderr,
    )
    if not _is_loopback(args.host):
        print(
            "echollama: warning: listening beyond this machine; the API has no login, so anyone who can reach "
            "this address can use it",
            file=sys.stderr,
        )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        ws_max_size=settings.max_upload_bytes,
        # Header deadline and connection cap (uvicorn's limit_concurrency would count silent connections and answer
        # everyone else 503, without Retry-After).
        http=guarded_protocol(settings),
        proxy_headers=False,  # client addresses count sessions per client: X-Forwarded-For must not fake them
        timeout_graceful_shutdown=5,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return 0


# ServerSettings field, flag help, type: the limits an operator may tune (tests use small ones).
LIMITS = (
    ("max_sessions", "sessions kept at once", int),
    ("max_sessions_per_client", "sessions one client address may hold", int),
    ("max_turns", "questions answered per session", int),
    ("session_lifetime_s", "seconds a session lives at most, however busy", float),
    ("max_connections", "open connections; beyond them the oldest one waiting for headers is closed, else 503", int),
    ("header_timeout_s", "seconds a connection may take to send a request's headers", float),
    ("max_websockets", "WebSockets open at once", int),
    ("max_websockets_per_session", "WebSockets open per session", int),
    ("websocket_idle_s", "seconds of silence after which a WebSocket is closed", float),
    ("body_timeout_s", "seconds a request body may stall before 408", float),
    ("min_body_rate", "bytes a second a request body must average after --body-timeout seconds", int),
    ("max_decode_pixels", "pixels decoded at once, all images together; more wait, then get 503", int),
    ("decode_wait_s", "seconds a decode may wait for room before 503", float),
    ("max_frame_bytes", "bytes one live camera frame may have", int),
)


def _add_limits(group, defaults: ServerSettings) -> None:
    for name, help_text, kind in LIMITS:
        flag = "--" + name.removesuffix("_s").replace("_", "-")
        group.add_argument(
            flag,
            dest=name,
            type=kind,
            default=getattr(defaults, name),
            help=f"{help_text} (default %(default){'d' if kind is int else 'g'})",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
