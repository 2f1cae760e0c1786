"""The user-attr names a trial records: stored studies are read by these exact strings, so they never change."""

from __future__ import annotations

from latentnas import records


def test_the_attr_names_are_the_stored_strings() -> None:
    assert (records.ARCH_ATTR, records.KEY_ATTR, records.DUPLICATE_ATTR, records.FAIL_ATTR) == (
        "arch", "arch_key", "duplicate_of", "fail_reason")
