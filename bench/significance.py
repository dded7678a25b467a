"""Speed and memory of the significance checks (a benchmark script, not a timed test).

Each case runs in its own process, after a warm-up (imports and first calls are not timed),
and prints its wall and CPU time (untraced; CPU time is the process's, all threads: it moves
far less with the machine's load than wall time) and peak memory: the larger of the peak of
traced allocations (numpy's buffers included; measured in a second, traced run) and the growth
of the process's peak RSS during the timed run.

Bars (issue 7): paired bootstrap and permutation test with n = 10,000 pairs and 10,000
resamples, each <= 1 s and <= 500 MB; ASO on 1,000 vs 1,000 scores <= 0.5 s; McNemar on
10 million predictions <= 1 s.

    python bench/significance.py

Runs in a temporary folder of its own (isolated.py): MLPM_DB and MLPM_HOME are ignored.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from isolated import isolated

N_PAIRS = 10_000
RESAMPLES = 10_000


def _bootstrap(np: Any) -> Callable[[], str]:
    from mlpm.stats.resampling import bootstrap_mean, percentile_ci

    rng = np.random.default_rng(0)
    a = rng.normal(0.70, 0.1, N_PAIRS)
    b = a + rng.normal(0.01, 0.1, N_PAIRS)

    def run() -> str:
        low, high = percentile_ci(bootstrap_mean(b - a, resamples=RESAMPLES, seed=0), 0.05)
        return f"95% CI [{low:.4f}, {high:.4f}]"

    return run


def _permutation(np: Any) -> Callable[[], str]:
    from mlpm.stats.resampling import sign_flip

    rng = np.random.default_rng(1)
    d = rng.normal(0.002, 0.1, N_PAIRS)

    def run() -> str:
        res = sign_flip(d, resamples=RESAMPLES, seed=0)
        return f"p = {res.p_text}"

    return run


def _predictions(np: Any) -> Callable[[], str]:
    from mlpm.stats.predictions import compare_predictions

    rng = np.random.default_rng(2)
    y = rng.integers(0, 5, N_PAIRS)
    a = np.where(rng.random(N_PAIRS) < 0.75, y, rng.integers(0, 5, N_PAIRS))
    b = np.where(rng.random(N_PAIRS) < 0.77, y, rng.integers(0, 5, N_PAIRS))

    def run() -> str:
        r = compare_predictions(y, a, b, resamples=RESAMPLES, seed=0)
        return (
            f"accuracy and macro-F1: bootstrap CIs + permutation p "
            f"(p_acc {r.others[2].p_text}, p_f1 {r.others[3].p_text})"
        )

    return run


def _aso(np: Any) -> Callable[[], str]:
    from mlpm.stats.aso import aso

    rng = np.random.default_rng(3)
    a, b = rng.normal(0.1, 1, 1000), rng.normal(0, 1, 1000)

    def run() -> str:
        r = aso(a, b)
        return f"eps_min = {r.eps_min:.4f} (seed {r.seed}, {r.resamples} bootstrap samples)"

    return run


def _mcnemar(np: Any) -> Callable[[], str]:
    from mlpm.stats.predictions import disagreements, mcnemar

    n = 10_000_000
    rng = np.random.default_rng(4)
    y = rng.integers(0, 10, n, dtype=np.int64)
    a = np.where(rng.random(n) < 0.75, y, (y + 1) % 10)
    b = np.where(rng.random(n) < 0.7501, y, (y + 2) % 10)

    def run() -> str:
        bb, cc = disagreements(y, a, b)
        m = mcnemar(bb, cc)
        return f"b = {bb:,}, c = {cc:,}, exact p = {m.p_exact:.3g}, mid-p = {m.p_mid:.3g}"

    return run


def _predictions_10m(np: Any) -> Callable[[], str]:
    from mlpm.stats.predictions import compare_predictions

    n = 10_000_000
    rng = np.random.default_rng(5)
    y = rng.integers(0, 10, n)
    a = np.where(rng.random(n) < 0.75, y, (y + 1) % 10)
    b = np.where(rng.random(n) < 0.7501, y, (y + 2) % 10)

    def run() -> str:
        r = compare_predictions(y, a, b, resamples=RESAMPLES, seed=0)
        return f"full check: McNemar p = {r.p_text}, accuracy CI [{r.ci_low:.5f}, {r.ci_high:.5f}]"

    return run


CASES: dict[str, tuple[str, Callable[[Any], Callable[[], str]], float, float | None]] = {
    "bootstrap": ("paired bootstrap, 10,000 pairs x 10,000 resamples", _bootstrap, 1.0, 500),
    "permutation": (
        "sign-flip permutation, 10,000 pairs x 10,000 resamples",
        _permutation,
        1.0,
        500,
    ),
    "predictions": (
        "predictions: bootstrap + permutation, 10,000 examples x 10,000 resamples",
        _predictions,
        1.0,
        500,
    ),
    "aso": ("ASO, 1,000 vs 1,000 scores", _aso, 0.5, None),
    "mcnemar": ("McNemar on 10 million predictions", _mcnemar, 1.0, None),
    "predictions-10m": (
        "(extra) full preds check, 10 million examples x 10,000 resamples",
        _predictions_10m,
        2.0,
        None,
    ),
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(name: str) -> dict[str, Any]:
    import numpy as np

    _, build, _, _ = CASES[name]
    run = build(np)
    run()  # warm-up: imports, first calls
    rss_before = _rss_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    detail = run()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    rss_growth = max(0.0, _rss_mb() - rss_before)
    # Memory is traced in a separate run: tracing every allocation slows the code down.
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "case": name,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "traced_peak_mb": peak / 2**20,
        "rss_growth_mb": rss_growth,
        "detail": detail,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2])))
        return
    with isolated("mlpm-bench-sig-"):
        run_all()


def run_all() -> None:
    print(f"{'case':<72} {'wall':>8} {'cpu':>8} {'peak mem':>10}  bar")
    for name, (label, _, time_bar, mem_bar) in CASES.items():
        out = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        mem = max(r["traced_peak_mb"], r["rss_growth_mb"])
        ok = r["seconds"] <= time_bar and (mem_bar is None or mem <= mem_bar)
        bar = f"<= {time_bar:g} s" + (f", <= {mem_bar} MB" if mem_bar else "")
        verdict = "ok" if ok else "OVER"
        times = f"{r['seconds']:>7.3f}s {r['cpu_seconds']:>7.3f}s"
        print(f"{label:<72} {times} {mem:>8.1f}MB  {bar} (wall) {verdict}")
        print(f"    {r['detail']}")


if __name__ == "__main__":
    main()
