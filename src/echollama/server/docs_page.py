"""`/docs`: the API reference as one plain HTML page made from the OpenAPI document, readable under the page's CSP.

FastAPI's Swagger UI and ReDoc load their scripts from a CDN (unreachable offline, and refused by `default-src 'self'`)
and Swagger UI needs inline scripts and styles, so they are off. This page has no script and no inline style: every
endpoint with its summary, parameters and answers, headings for screen-reader navigation, and a link to the document
itself (/openapi.json) for tools.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

METHODS = ("get", "post", "put", "delete", "patch")
# The WebSocket is not in the OpenAPI document: its messages, as (what is sent, what it means), client first.
STREAM_MESSAGES = (
    (
        "the handshake: the X-Session-Key header (the page's browser sends the session's cookie)",
        'the session\'s key; without it {"type": "error", "status": 403} and close code 4403; an unknown session '
        "404 and 4404, and an open socket is closed with 4404 when its session is deleted or expires",
    ),
    ('{"type": "ask", "text": "..."} or one binary message (a recorded question)', "a question, numbered 1, 2, 3..."),
    ('{"type": "describe", "detail": "brief"}', "the description again"),
    (
        '{"type": "cancel", "answer_id": 2, "heard_s": 1.5}',
        "stop that answer (Stop, barge-in); heard_s: what was heard",
    ),
    ('{"type": "live", "on": true}', 'live camera mode on (false: off); answered {"type": "live", "on": ...}'),
    (
        '{"type": "rate", "rate": 1.5}',
        'the socket\'s speech rate (0.5-3.0) for recorded questions and live announcements; answered {"type": "rate"}; '
        '"ask" and "describe" may also carry "rate"',
    ),
    (
        '{"type": "frame", "at_s": t} (at_s optional) then one binary message (a JPEG, at most 2 MiB by default, 4 MP)',
        'one camera frame; answered after analysis by {"type": "ack", "frame": n, "frames_per_s": r, "objects": k, '
        '"events": e} (or with "status" and "detail"); send the next frame only after the ack. "at_s": the frame\'s '
        "time in a recorded video (live mode then runs on video time; the ack names an announcement being said, "
        '"announcing": "live-N")',
    ),
    (
        '{"type": "find", "target": "my cup"} (null: stop finding), while live',
        'find mode: answered {"type": "find", "on": true, "name": "cup", ...}, or {"type": "error", "status": 400, '
        '"about": "find"} for a name it cannot look for; then before each frame\'s ack {"type": "tone", "at_s", "pan", '
        '"interval_s", "pitch_hz", ...} while it is followed, {"type": "tone_stop"} when it is lost; "Lost the cup." '
        'and "The cup is within reach, ..." come as announcements',
    ),
    (
        'server: {"type": "start", "answer_id": ..., "kind": ...}, "audio_format", "text" pieces, binary 16-bit PCM, '
        'then "done", "cancelled" or "error"',
        'an answer, or a live announcement (kind "announcement", ids "live-1", "live-2"...: what appears, comes '
        "closer fast or leaves, one at a time, stale ones dropped, never over an answer)",
    ),
)


def add_docs_route(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(render(app.openapi()), headers={"Cache-Control": "no-cache"})


def render(spec: dict) -> str:
    info = spec.get("info", {})
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(info.get('title', 'API'))} API reference</title></head><body><main>",
        f"<h1>{escape(info.get('title', 'API'))} {escape(str(info.get('version', '')))} API reference</h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        '<p>The machine-readable OpenAPI document is at <a href="/openapi.json">/openapi.json</a>; '
        "the live conversation is the WebSocket <code>/v1/sessions/{session_id}/stream</code>. "
        '<a href="/">Back to the page</a>.</p>',
    ]
    parts.append("<section><h2>WebSocket <code>/v1/sessions/{session_id}/stream</code></h2><ul>")
    parts += [f"<li><code>{escape(sent)}</code>: {escape(meaning)}</li>" for sent, meaning in STREAM_MESSAGES]
    parts.append("</ul></section>")
    for path, operations in spec.get("paths", {}).items():
        for method in METHODS:
            if method in operations:
                parts.append(_operation(method, path, operations[method], spec))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _operation(method: str, path: str, operation: dict, spec: dict) -> str:
    rows = [f"<section><h2>{method.upper()} <code>{escape(path)}</code></h2>"]
    if operation.get("summary"):
        rows.append(f"<p>{escape(operation['summary'])}</p>")
    fields = [
        (p["name"], p.get("in", ""), p.get("required", False), p.get("schema", {}))
        for p in operation.get("parameters", [])
    ]
    fields += _body_fields(operation, spec)
    fields += _credentials(operation, spec)
    if fields:
        rows.append("<h3>Parameters</h3><ul>")
        for name, where, required, schema in fields:
            note = schema.get("description") or ""
            kind = schema.get("type") or ("file" if schema.get("format") == "binary" else "")
            rows.append(
                f"<li><code>{escape(name)}</code> ({escape(where)}{', ' + escape(kind) if kind else ''}"
                f"{', required' if required else ''}){': ' + escape(note) if note else ''}</li>"
            )
        rows.append("</ul>")
    answers = operation.get("responses", {})
    if answers:
        rows.append("<h3>Answers</h3><ul>")
        rows += [f"<li>{escape(code)}: {escape(r.get('description', ''))}</li>" for code, r in answers.items()]
        rows.append("</ul>")
    rows.append("</section>")
    return "\n".join(rows)


def _body_fields(operation: dict, spec: dict) -> list[tuple[str, str, bool, dict]]:
    content = operation.get("requestBody", {}).get("content", {})
    for media, body in content.items():
        schema = body.get("schema", {})
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            schema = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
        required = set(schema.get("required", []))
        return [
            (name, media, name in required, _first_schema(field))
            for name, field in schema.get("properties", {}).items()
        ]
    return []


def _credentials(operation: dict, spec: dict) -> list[tuple[str, str, bool, dict]]:
    """The keys an operation accepts (any one of them), as parameters: name, where, and what it is."""
    schemes = spec.get("components", {}).get("securitySchemes", {})
    named = [schemes.get(name, {}) for requirement in operation.get("security", []) for name in requirement]
    return [
        (scheme["name"], scheme["in"], False, {"description": scheme.get("description", "")})
        for scheme in named
        if "name" in scheme and "in" in scheme
    ]


def _first_schema(field: dict) -> dict:
    """A field's own schema, or its first non-null alternative (FastAPI writes optional fields as anyOf [x, null])."""
    for option in field.get("anyOf", []):
        if option.get("type") != "null":
            return {**option, "description": field.get("description", option.get("description"))}
    return field
