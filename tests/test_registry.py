from __future__ import annotations

import pytest

from latentnas.errors import InvalidArgumentError, UnknownNameError
from latentnas.registry import Registry


def test_registry_refuses_duplicates_and_lists_the_choices() -> None:
    colours: Registry[int] = Registry("colour")
    colours.register("red", 1)
    colours.register("blue", 2)
    assert colours.get("blue") == 2 and list(colours) == ["red", "blue"] and "red" in colours and len(colours) == 2
    with pytest.raises(InvalidArgumentError, match="^colour 'red' is already registered$"):
        colours.register("red", 3)
    assert colours.get("red") == 1
    with pytest.raises(UnknownNameError, match="^unknown colour 'green'; choices: red, blue$"):
        colours.get("green")


def test_a_lazy_entry_is_imported_on_first_use_and_listed_in_order() -> None:
    things: Registry[object] = Registry("thing")
    things.register("first", 1)
    things.register_lazy("path", "pathlib:PurePosixPath")
    assert things.names() == ["first", "path"] and "path" in things
    import pathlib

    assert things.get("path") is pathlib.PurePosixPath and things.names() == ["first", "path"]
    with pytest.raises(InvalidArgumentError, match="^thing 'path' is already registered$"):
        things.register_lazy("path", "pathlib:Path")
    with pytest.raises(InvalidArgumentError, match="^a lazy thing is 'module:attribute', got 'pathlib.Path'$"):
        things.register_lazy("other", "pathlib.Path")
