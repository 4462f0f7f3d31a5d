"""Training logs: every logged step appended to metrics.jsonl, a summary in metrics.json, and a plot.

DPO's figures (paper Table 2): loss, chosen and rejected rewards, their margin, and preference accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path

DPO_KEYS = ("loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")


def make_callback(folder: Path):
    """A transformers TrainerCallback writing each `on_log` record (with its step) to folder/metrics.jsonl."""
    from transformers import TrainerCallback

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "metrics.jsonl"
    path.write_text("")  # one run, one log

    class JsonlLog(TrainerCallback):
        def __init__(self) -> None:
            self.records: list[dict] = []

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs:
                record = {"step": state.global_step, **{k: v for k, v in logs.items() if isinstance(v, (int, float))}}
                self.records.append(record)
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record) + "\n")

    return JsonlLog()


def summarise(records: list[dict], keys=DPO_KEYS) -> dict:
    """First and last value of each key over the training steps (records without a loss are run totals)."""
    steps = [r for r in records if "loss" in r]
    summary: dict = {"steps": len(steps)}
    for key in keys:
        values = [r[key] for r in steps if key in r]
        if values:
            summary[key] = {"first": values[0], "last": values[-1]}
    totals = [r for r in records if "train_runtime" in r]
    if totals:
        summary["train_runtime_s"] = totals[-1]["train_runtime"]
    return summary


def plot(records: list[dict], output: Path, keys=DPO_KEYS, title: str = "DPO training") -> Path | None:
    """One panel per key against the step; None when nothing was logged."""
    steps = [r for r in records if "loss" in r]
    present = [k for k in keys if any(k in r for r in steps)]
    if not present:
        return None
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on a training box
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(present), figsize=(3.2 * len(present), 2.8), squeeze=False)
    for axis, key in zip(axes[0], present):
        points = [(r["step"], r[key]) for r in steps if key in r]
        axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3)
        axis.set_title(key, fontsize=9)
        axis.set_xlabel("step", fontsize=8)
        axis.grid(alpha=0.3)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(output, dpi=110)
    plt.close(figure)
    return output
