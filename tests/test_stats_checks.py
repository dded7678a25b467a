"""Guards shared by every check: the level alpha, number sizes, and no library warnings."""

from __future__ import annotations

import warnings

import pytest

from mlpm.errors import UsageError
from mlpm.stats import compare_samples
from mlpm.stats.checks import as_array, check_alpha


@pytest.mark.parametrize("alpha", [1e-320, 1e-7, 0.0, 0.51, 0.9, 1.0, -0.05])
def test_alpha_outside_a_sane_range_is_refused(alpha: float) -> None:
    with pytest.raises(UsageError, match=r"alpha must be between 1e-06 and 0.5"):
        check_alpha(alpha)
    with pytest.raises(UsageError, match="alpha must be between"):
        compare_samples([1, 2, 3], [4, 5, 6], alpha=alpha)


@pytest.mark.parametrize("alpha", [1e-6, 0.001, 0.05, 0.5])
def test_alpha_inside_the_range_gives_finite_intervals(alpha: float) -> None:
    r = compare_samples([1, 2, 3], [4, 5, 7], alpha=alpha)
    assert r.ci_low is not None and r.ci_high is not None
    assert abs(r.ci_low) < 1e6 and abs(r.ci_high) < 1e6


def test_as_array_refuses_overflowing_magnitudes_saying_where() -> None:
    with pytest.raises(UsageError, match=r"^A: value 2 is -1e\+308, too large"):
        as_array([1.0, -1e308, 3.0], "A")


@pytest.mark.parametrize(
    ("a", "b", "paired"),
    [
        ([1, 1, 1], [1, 2, 3], False),  # scipy warns about catastrophic cancellation
        ([1e75, -1e75, 1e75, -1e75], [1, 2, 3, 4], False),  # at the size limit
        ([1e75, -1e75, 1e75, -1e75], [1, 2, 3, 4], True),
    ],
)
def test_no_library_warning_escapes_a_check(a: list, b: list, paired: bool) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = compare_samples(a, b, paired=paired)
    assert [str(w.message) for w in caught] == []
    assert r.p_value is not None
