"""`echollama serve`: the HTTP/WebSocket API and the accessible web page, on top of the same pipeline as the CLI.

`create_app(settings)` builds the FastAPI app; models load once, in the background, when it starts.
"""

from echollama.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]


def create_app(settings: ServerSettings | None = None):
    from echollama.server.app import create_app as build

    return build(settings)
