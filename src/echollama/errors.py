"""Errors a user can act on: the CLI prints their message as one line and exits non-zero.

Anything else that escapes is a bug and keeps its traceback.
"""


class EchollamaError(Exception):
    """A problem with the user's input, files or installation, with a message that says what to do."""

    exit_code = 1


class InputError(EchollamaError):
    """The image, audio or question given to us cannot be used."""

    exit_code = 2


class OutputError(EchollamaError):
    """The place we were asked to write to cannot take the file."""

    exit_code = 3


class ModelError(EchollamaError):
    """A model file is missing, corrupt, or its backend is not installed."""

    exit_code = 4


def missing_extra(package: str, extra: str) -> ModelError:
    """The error for an optional library that is not installed, naming the extra that brings it."""
    return ModelError(f"the Python package {package!r} is not installed; run: pip install 'echollama[{extra}]'")
