"""Significance checks: is B really better than A, or lucky?

Importing this package is cheap: numpy and scipy are imported inside the functions that
compute. Entry points: `compare_samples` (seeds, paired or not), `props.two_proportions`,
`predictions.compare_predictions`, `scores.compare_example_scores`, `paired.nadeau_bengio`,
`paired.five_by_two`, `multiple.adjust`, `multiple.friedman_nemenyi`,
`regression.regression_check`, and `report.render` for the plain-text report.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlpm.stats.result import Result, TestLine

__all__ = ["Result", "TestLine", "compare_samples"]


def compare_samples(
    a: Sequence[float],
    b: Sequence[float],
    *,
    paired: bool = False,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    margin: float | None = None,
    label_a: str = "A",
    label_b: str = "B",
    metric: str = "",
    gain: float | None = None,
    seed: int | None = None,
) -> Result:
    """Compare two samples of scores (runs over seeds): B minus A.

    Unpaired: Welch's t decides (Mann-Whitney, Student's t, ASO shown). Paired (value i of A
    with value i of B): the paired t decides (Wilcoxon and sign-flip shown). Fewer than 3 a
    side gives the "too_few" verdict and no test.
    """
    if paired:
        from mlpm.stats.paired import paired_samples

        return paired_samples(
            a,
            b,
            alpha=alpha,
            higher_is_better=higher_is_better,
            margin=margin,
            gain=gain,
            seed=seed,
            label_a=label_a,
            label_b=label_b,
            metric=metric,
        )
    from mlpm.stats.unpaired import unpaired_samples

    return unpaired_samples(
        a,
        b,
        alpha=alpha,
        higher_is_better=higher_is_better,
        margin=margin,
        gain=gain,
        seed=seed,
        label_a=label_a,
        label_b=label_b,
        metric=metric,
    )
