"""Matching prediction files example by example (by id, or by position) and coding their
labels as integers, all on numpy arrays."""

from __future__ import annotations

from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.predfiles import Aligned, PredFile, _as_text
from mlpm.wording import counted

_DIRECT_RANGE = 1 << 24  # integer labels spanning fewer values than this are coded by offset


def _id_text(ids: Any) -> Any:
    import numpy as np

    return np.asarray(ids).astype(str)


def _check_unique(f: PredFile, ids: Any) -> Any:
    """The file's ids sorted (their order), refusing repeats."""
    import numpy as np

    order = np.argsort(ids, kind="stable")
    ranked = ids[order]
    dup = np.flatnonzero(ranked[1:] == ranked[:-1])
    if dup.size:
        count = np.unique(ranked[dup]).size
        raise UsageError(
            f"{f.path}: {counted(count, 'id')} given more than once (e.g. {str(ranked[dup[0]])!r})"
        )
    return order


def _order(files: list[PredFile]) -> tuple[Any, list[Any | None], list[str]]:
    """(the ids in A's order, for each file the index array putting it in that order or None
    when it already is, notes). Refuses files that do not cover the same examples."""
    import numpy as np

    a = files[0]
    with_ids = [f for f in files if f.ids is not None]
    if with_ids and len(with_ids) != len(files):
        missing = next(f.path for f in files if f.ids is None)
        raise UsageError(
            f"{with_ids[0].path} has ids but {missing} has none: cannot match "
            "examples (add an id column, or drop it from every file)"
        )
    if not with_ids:
        sizes = {f.size() for f in files}
        if len(sizes) != 1:
            raise UsageError(
                "the files have no id column and different lengths ("
                + ", ".join(f"{f.path}: {f.size()}" for f in files)
                + ")"
            )
        return (
            np.arange(sizes.pop()),
            [None] * len(files),
            ["no id column: examples matched by position"],
        )
    ids: list[Any] = [f.ids for f in with_ids]
    if any(i.dtype.kind not in "iu" for i in ids):  # compare as text unless all are integers
        ids = [_id_text(i) for i in ids]
    sorters = [_check_unique(f, i) for f, i in zip(files, ids, strict=True)]
    ref, ref_sorted = ids[0], ids[0][sorters[0]]
    takes: list[Any | None] = [None]
    for f, own, sorter in zip(files[1:], ids[1:], sorters[1:], strict=True):
        if own.size == ref.size and np.array_equal(own, ref):
            takes.append(None)
            continue
        own_sorted = own[sorter]
        if own.size != ref.size or not np.array_equal(own_sorted, ref_sorted):
            only_ref = np.setdiff1d(ref_sorted, own_sorted, assume_unique=True)
            only_own = np.setdiff1d(own_sorted, ref_sorted, assume_unique=True)
            example = sorted(str(e) for e in np.concatenate([only_ref, only_own])[:3])
            raise UsageError(
                f"ids differ: {only_ref.size} in {a.path} only, {only_own.size} in {f.path} only "
                f"(e.g. {', '.join(repr(e) for e in example)}); every file must cover the "
                "same examples"
            )
        # Position of A's i-th id in this file: sorted positions mapped back through A's sort.
        take = np.empty_like(sorter)
        take[sorters[0]] = sorter
        takes.append(take)
    return files[0].ids, takes, []


def _common(arrays: list[Any]) -> list[Any]:
    """Labels of one kind: all numeric stay numeric (1.0 == 1), else all become text."""
    import numpy as np

    if all(a.dtype.kind in "iuf" for a in arrays):
        if any(a.dtype.kind == "f" for a in arrays):
            return [a.astype(np.float64, copy=False) for a in arrays]
        return arrays
    return [_as_text(a) for a in arrays]


def encode(arrays: list[Any]) -> tuple[list[Any], list[str]]:
    """Integer codes 0..k-1 shared by all arrays, and the label each code stands for."""
    import numpy as np

    arrays = _common(arrays)
    if arrays[0].dtype.kind in "iu":
        low = min(int(a.min()) for a in arrays)
        high = max(int(a.max()) for a in arrays)
        if high - low < _DIRECT_RANGE:  # offset coding: linear time, no sort of 10M labels
            shifted = [a if low == 0 else a - low for a in arrays]
            present = np.zeros(high - low + 1, dtype=bool)
            for a in shifted:
                present[a] = True
            values = np.flatnonzero(present)
            if present.all():  # labels 0..k-1 (after the shift) are their own codes
                return shifted, [str(int(v) + low) for v in values]
            lookup = np.cumsum(present, dtype=np.int64) - 1
            return [lookup[a] for a in shifted], [str(int(v) + low) for v in values]
    values, inverse = np.unique(np.concatenate(arrays), return_inverse=True)
    sizes = np.cumsum([0, *(a.size for a in arrays)])
    codes = [inverse[sizes[i] : sizes[i + 1]].astype(np.int64) for i in range(len(arrays))]
    if values.dtype.kind == "f":
        from mlpm.stats.predfiles import _text

        return codes, [_text(float(v)) for v in values]
    return codes, [str(v) for v in values]


def _never_in_truth(codes_y: Any, codes_p: Any, labels: list[str], who: str) -> str | None:
    import numpy as np

    k = len(labels)
    in_truth = np.bincount(codes_y, minlength=k) > 0
    predicted = np.flatnonzero(np.bincount(codes_p, minlength=k))
    if predicted.size and not in_truth[predicted].any():
        shown = ", ".join(repr(labels[i]) for i in predicted[:3])
        truth = ", ".join(repr(labels[i]) for i in np.flatnonzero(in_truth)[:3])
        return (
            f"{who}'s predicted labels ({shown}) never occur in y_true ({truth}): check how the "
            "labels are written (case, spelling, type)"
        )
    return None


def align(a: PredFile, b: PredFile, truth: PredFile | None = None) -> Aligned:
    """Match A, B (and the truth file) by id; refuse mismatches, counting them. Warns (in
    `notes`) when a model's predicted labels never occur in y_true."""
    import numpy as np

    files = [f for f in (a, b, truth) if f is not None]
    for f, role in ((a, "A"), (b, "B")):
        if f.y_pred is None:
            raise UsageError(f"{f.path}: no y_pred column for model {role}")
    order, takes, notes = _order(files)
    take = dict(zip((id(f) for f in files), takes, strict=True))

    def in_order(f: PredFile, values: Any) -> Any:
        t = take[id(f)]
        return values if t is None else values[t]

    truths = []
    if truth is not None:
        t = truth.y_true if truth.y_true is not None else truth.y_pred
        truths.append((truth.path, in_order(truth, t)))
    for f in (a, b):
        if f.y_true is not None:
            truths.append((f.path, in_order(f, f.y_true)))
    if not truths:
        raise UsageError("no ground truth: give --truth FILE or a y_true column")
    arrays = [t for _, t in truths] + [in_order(a, a.y_pred), in_order(b, b.y_pred)]
    codes, labels = encode(arrays)
    y = codes[0]
    for (other_name, _), other in zip(truths[1:], codes[1 : len(truths)], strict=True):
        bad = int(np.count_nonzero(other != y))
        if bad:
            raise UsageError(
                f"y_true in {other_name} disagrees with {truths[0][0]} on {counted(bad, 'example')}"
            )
    pred_a, pred_b = codes[-2], codes[-1]
    for pred, who in ((pred_a, "A"), (pred_b, "B")):
        note = _never_in_truth(y, pred, labels, who)
        if note:
            notes.append(note)
    return Aligned(order, y, pred_a, pred_b, labels, notes)


def has_scores(a: PredFile, b: PredFile) -> bool:
    """True when both files carry per-example scores and at least one lacks predictions."""
    return a.score is not None and b.score is not None and (a.y_pred is None or b.y_pred is None)


def align_scores(a: PredFile, b: PredFile) -> tuple[Any, Any, Any, list[str]]:
    """(ids, scores of A, scores of B, notes): per-example scores matched by id."""
    scores = []
    for f, role in ((a, "A"), (b, "B")):
        if f.score is None:
            raise UsageError(f"{f.path}: no score column for model {role}")
        scores.append(f.score)
    order, takes, notes = _order([a, b])
    sa = scores[0] if takes[0] is None else scores[0][takes[0]]
    sb = scores[1] if takes[1] is None else scores[1][takes[1]]
    return order, sa, sb, notes
