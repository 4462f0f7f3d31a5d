"""`model.generate` in a worker thread that can be stopped: what the transformers LLM and Orpheus stream from.

The caller reads the streamer passed in `kwargs` while the worker generates. `close()` sets an event that a stopping
criterion checks after every token, then joins the worker, so once it returns the model is idle and its lock can be
released. A failure inside generate ends the streamer (so the reader stops waiting) and is kept in `failure`.
"""

from __future__ import annotations

import threading
from typing import Any


class GenerateThread:
    def __init__(self, name: str, model: Any, kwargs: dict[str, Any], seed: int) -> None:
        from transformers import StoppingCriteria, StoppingCriteriaList

        from echollama.models.torch_device import import_torch

        torch = import_torch()
        stop = self._stop = threading.Event()

        class StopOnEvent(StoppingCriteria):
            def __call__(self, input_ids, scores, **_) -> bool:
                return stop.is_set()

        self.output: Any = None  # generate's return value (the ids, prompt included) once finished
        self.failure: BaseException | None = None
        streamer = kwargs["streamer"]
        kwargs = {**kwargs, "stopping_criteria": StoppingCriteriaList([StopOnEvent()])}

        def run() -> None:
            try:
                torch.manual_seed(seed)  # same seed, same output
                with torch.inference_mode():
                    self.output = model.generate(**kwargs)
            except BaseException as error:  # the reader re-raises it in its own thread
                self.failure = error
                streamer.end()  # generate ends the streamer itself only when it returns

        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def new_tokens(self, prompt_length: int) -> int:
        return int(self.output.shape[-1] - prompt_length) if self.output is not None else 0

    def close(self) -> None:
        """Stop generating (after the current token) and wait for the worker; safe to call more than once."""
        self._stop.set()
        self._thread.join()
