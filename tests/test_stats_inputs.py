"""Reading numbers and per-example prediction files; matching them by id."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlpm.errors import UsageError
from mlpm.stats.inputs import align, parse_numbers, read_predictions, read_table


def _csv(path: Path, header: str, rows: list[str]) -> str:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_parse_numbers_inline_and_from_file(tmp_path: Path) -> None:
    assert parse_numbers("0.75, 0.76 0.77;0.78", "A") == [0.75, 0.76, 0.77, 0.78]
    f = tmp_path / "a.txt"
    f.write_text("0.1\n0.2\n0.3\n")
    assert parse_numbers(str(f), "A") == [0.1, 0.2, 0.3]
    with pytest.raises(UsageError, match="A: value 2 is nan"):
        parse_numbers("0.1,nan,0.3", "A")
    with pytest.raises(UsageError, match=r"B: value 1 \('abc'\) is not a number"):
        parse_numbers("abc", "B")


def test_csv_jsonl_npy_and_truth_file_match_by_id(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "id,y_true,y_pred", ["x1,cat,cat", "x2,dog,cat", "x3,dog,dog"])
    b = tmp_path / "b.jsonl"
    b.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "x3", "y_pred": "dog"},
                {"id": "x1", "y_pred": "dog"},
                {"id": "x2", "y_pred": "dog"},
            ]
        )
    )
    data = align(read_predictions(a), read_predictions(str(b)))
    labels = data.labels
    assert list(data.ids) == ["x1", "x2", "x3"]
    assert [labels[i] for i in data.y_true] == ["cat", "dog", "dog"]
    assert [labels[i] for i in data.pred_b] == ["dog", "dog", "dog"]

    np.save(tmp_path / "a.npy", np.array([1, 0, 1]))
    np.save(tmp_path / "b.npy", np.array([1.0, 1.0, 0.0]))
    t = _csv(tmp_path / "t.csv", "y_true", ["1", "1", "1"])
    data = align(
        read_predictions(str(tmp_path / "a.npy")),
        read_predictions(str(tmp_path / "b.npy")),
        read_predictions(t),
    )
    assert "matched by position" in data.notes[0]
    assert [data.labels[i] for i in data.pred_b] == ["1", "1", "0"]


def test_mismatched_ids_are_refused_and_counted(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "id,y_true,y_pred", ["1,a,a", "2,a,b", "3,b,b", "4,b,b"])
    b = _csv(tmp_path / "b.csv", "id,y_pred", ["1,a", "2,a", "5,b", "6,b", "7,b"])
    with pytest.raises(UsageError, match=r"2 in .*a\.csv only, 3 in .*b\.csv only"):
        align(read_predictions(a), read_predictions(b))


def test_other_bad_files(tmp_path: Path) -> None:
    dup = _csv(tmp_path / "d.csv", "id,y_true,y_pred", ["1,a,a", "1,a,b"])
    ok = _csv(tmp_path / "o.csv", "id,y_pred", ["1,a", "2,a"])
    with pytest.raises(UsageError, match="given more than once"):
        align(read_predictions(dup), read_predictions(ok))
    with pytest.raises(UsageError, match="no ground truth"):
        align(read_predictions(ok), read_predictions(ok))
    blank = _csv(tmp_path / "b.csv", "id,y_true,y_pred", ["1,a,", "2,a,b"])
    with pytest.raises(UsageError, match=r"row 1 \(y_pred\): missing value"):
        read_predictions(blank)
    disagree = _csv(tmp_path / "x.csv", "id,y_true,y_pred", ["1,b,a", "2,a,a"])
    good = _csv(tmp_path / "g.csv", "id,y_true,y_pred", ["1,a,a", "2,a,b"])
    with pytest.raises(UsageError, match=r"disagrees .* on 1 example"):
        align(read_predictions(good), read_predictions(disagree))
    with pytest.raises(UsageError, match="no such file"):
        read_predictions(str(tmp_path / "missing.csv"))
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan]))
    with pytest.raises(UsageError, match="item 2"):
        read_predictions(str(tmp_path / "nan.npy"))


def test_read_table(tmp_path: Path) -> None:
    named = _csv(tmp_path / "t.csv", "dataset,a,b,c", ["iris,0.9,0.8,0.7", "wine,0.8,0.9,0.6"])
    t = read_table(named)
    assert t.models == ["a", "b", "c"] and t.rows == ["iris", "wine"]
    assert t.values == [[0.9, 0.8, 0.7], [0.8, 0.9, 0.6]]
    bare = _csv(tmp_path / "u.csv", "a,b", ["1,2", "3,4"])
    assert read_table(bare).models == ["a", "b"]
    bad = _csv(tmp_path / "v.csv", "d,a,b", ["x,1,inf"])
    with pytest.raises(UsageError, match="line 2: value 2 is inf"):
        read_table(bad)


@pytest.mark.parametrize(
    ("text", "where"), [("1,,2,3", 2), ("1,2,3,", 4), (",1,2", 1), ("1; ;2", 2), ("1, ,2", 2)]
)
def test_an_empty_value_is_refused_saying_where(text: str, where: int) -> None:
    with pytest.raises(UsageError, match=rf"^A: value {where} is empty"):
        parse_numbers(text, "A")


def test_separators_with_spaces_are_not_empty_values() -> None:
    assert parse_numbers(" 1 , 2 ;3\n4 ", "A") == [1, 2, 3, 4]


@pytest.mark.parametrize("name", ["nosuchfile.txt", "scores.csv", "runs/a", "x.json"])
def test_a_missing_file_is_called_a_missing_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match=rf"^A: {tmp_path}/{name}: no such file$"):
        parse_numbers(f"{tmp_path}/{name}", "A")
    with pytest.raises(UsageError, match="no such file"):
        parse_numbers(name, "A")


@pytest.mark.parametrize("value", ["1e308", "-1e300", "2e75"])
def test_numbers_too_large_for_the_arithmetic_are_refused(value: str) -> None:
    with pytest.raises(UsageError, match=r"^A: value 3 is .*too large for the arithmetic"):
        parse_numbers(f"1,2,{value}", "A")
    assert parse_numbers("1e75,-1e75,3", "A") == [1e75, -1e75, 3]


@pytest.mark.parametrize("label", ["nan", "NaN", "-nan"])
def test_nan_is_not_a_label(tmp_path: Path, label: str) -> None:
    bad = _csv(tmp_path / "p.csv", "id,y_true,y_pred", ["1,a,a", f"2,a,{label}"])
    with pytest.raises(UsageError, match=r"row 2 \(y_pred\): .* looks like a missing value"):
        read_predictions(bad)


def test_huge_per_example_scores_are_refused(tmp_path: Path) -> None:
    bad = _csv(tmp_path / "s.csv", "id,score", ["1,0.5", "2,1e300"])
    with pytest.raises(UsageError, match=r"row 2 \(score\): 1e\+300 is too large"):
        read_predictions(bad)
