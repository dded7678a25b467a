"""Three W&B groups of three seeds each, written as real offline `.wandb` files, with one run
of `deep` that crashed at its start: shared by the `runs compare` service, CLI and TUI tests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from mlpm.integrations.wandb_write import build_run

START = 1_772_000_000.0
# group -> (model config, final val/acc by seed)
GROUPS: dict[str, tuple[dict[str, Any], tuple[float, ...]]] = {
    "base": ({"model": {"width": 256, "depth": 4}, "optim": {"lr": 0.001}}, (0.751, 0.748, 0.755)),
    "wide": ({"model": {"width": 512, "depth": 4}, "optim": {"lr": 0.001}}, (0.802, 0.797, 0.806)),
    "deep": ({"model": {"width": 256, "depth": 8}, "optim": {"lr": 0.001}}, (0.752, 0.749, 0.757)),
}
CRASHED = "deep-3"  # deep's seed 3: it crashed (no exit record) after a few steps


def _history(final: float, steps: int = 20) -> list[dict[str, float]]:
    return [
        {"train/loss": 2.0 / (s + 1), "val/acc": final * (s + 1) / steps, "epoch": s}
        for s in range(steps)
    ]


def specs() -> list[dict[str, Any]]:
    out = []
    for group, (_, accs) in GROUPS.items():
        for seed, acc in enumerate(accs):
            out.append({"name": f"{group}-{seed}", "group": group, "seed": seed, "acc": acc})
    out.append({"name": CRASHED, "group": "deep", "seed": 3, "acc": 0.9, "crashed": True})
    return out


def write_many(root: Path) -> Path:
    """Every run of `specs()` as an offline run directory under `root/wandb`."""
    wandb_dir = root / "wandb"
    for i, spec in enumerate(specs()):
        run_id = f"r{i:02d}{spec['name'].replace('-', '')}"
        run_dir = wandb_dir / f"offline-run-20260301_12{i:02d}00-{run_id}"
        run_dir.mkdir(parents=True)
        config = {**GROUPS[spec["group"]][0], "seed": spec["seed"], "epochs": 20}
        crashed = spec.get("crashed", False)
        data = build_run(
            run_id,
            project="asr",
            name=spec["name"],
            group=spec["group"],
            job_type="train",
            config=config,
            commit=hashlib.sha1(run_id.encode()).hexdigest(),
            start=START + i * 3600,
            history=_history(spec["acc"], 5 if crashed else 20),
            exit_code=None if crashed else 0,
            runtime=None if crashed else 120,
        )
        path = run_dir / f"run-{run_id}.wandb"
        path.write_bytes(data)
        if crashed:  # an old file without an exit record: its writer is gone
            os.utime(path, (START, START))
            os.utime(run_dir, (START, START))
    return wandb_dir
