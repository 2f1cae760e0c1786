"""What the commands share: the printed table, the progress bar, refusing options that do not apply."""

from __future__ import annotations

import argparse

import pytest

from latentnas.cli._common import progress, refuse, table
from latentnas.errors import InvalidArgumentError


def test_table_aligns_columns_under_an_underlined_header() -> None:
    text = table([("nb201", 0.5, None), ("darts", 12, 1.23456)], ["space", "value", "x"])
    assert text == (
        "space  value   x\n"
        "-----  ------  ------\n"
        "nb201  0.5000  -\n"
        "darts  12      1.2346"
    )


def test_table_prints_floats_to_four_places_none_as_a_dash_and_other_values_as_str() -> None:
    text = table([("", 2.0 / 3, None, True, "a, b")], ["", "f", "none", "bool", "text"])
    assert text.splitlines()[2] == "  0.6667  -     True  a, b"  # an empty column has width 0


def test_a_table_without_rows_is_its_header() -> None:
    assert table([], ["space", "size"]) == "space  size\n-----  ----"


def test_refuse_names_the_first_given_option_with_dashes() -> None:
    args = argparse.Namespace(epochs=None, data_root="/data", batch_size=8)
    with pytest.raises(InvalidArgumentError, match=r"^--data-root applies only with --dataset$"):
        refuse(args, ("epochs", "data_root", "batch_size"), applies="with --dataset")


def test_refuse_lets_options_left_unset_or_absent_pass() -> None:
    refuse(argparse.Namespace(epochs=None), ("epochs", "data_root"), applies="with --dataset")


def test_progress_is_none_when_disabled_and_a_bar_on_stderr_otherwise(capsys: pytest.CaptureFixture[str]) -> None:
    assert progress(5, disable=True) is None
    assert capsys.readouterr() == ("", "")
    bar = progress(5, disable=False, unit="epoch", desc="pretraining")
    bar.update(2)
    bar.close()
    assert (bar.total, bar.n, bar.unit) == (5, 2, "epoch")
    out, err = capsys.readouterr()
    assert out == "" and "pretraining" in err and "2/5" in err
    unknown = progress(0, disable=False)
    unknown.close()
    assert unknown.total is None
