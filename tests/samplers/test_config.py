"""What sampler configs share: the field checks' one-line messages and the JSON round trip."""

from __future__ import annotations

import dataclasses
import json
from typing import ClassVar

import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.records import json_normalized
from latentnas.samplers.config import SamplerConfig, check_bool, check_choice, check_int


@dataclasses.dataclass(frozen=True)
class TinyConfig(SamplerConfig):
    sampler: ClassVar[str] = "tiny"
    n: int = 3
    kind: str = "a"
    flag: bool = False

    def __post_init__(self) -> None:
        check_int("n", self.n, minimum=1)
        check_choice("kind", self.kind, ("a", "b"))
        check_bool("flag", self.flag)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_int("n", 0, minimum=1), "n must be a positive int, got 0"),
    (lambda: check_int("n", -1, minimum=0), "n must be a non-negative int, got -1"),
    (lambda: check_int("n", 2, minimum=3), "n must be an int >= 3, got 2"),
    (lambda: check_int("n", True, minimum=0), "n must be a non-negative int, got True"),
    (lambda: check_int("n", 1.5, minimum=1, allow_none=True), "n must be a positive int or None, got 1.5"),
    (lambda: check_bool("flag", 1), "flag must be True or False, got 1"),
    (lambda: check_choice("kind", "c", ("a", "b")), "unknown kind 'c'; choices: a, b"),
    (lambda: json_normalized({"f": print}, what="the options"),
     r"the options must be JSON-serializable to be stored on a study, got \{'f': <built-in function print>\}"),
])
def test_the_checks_name_the_field_and_the_value(call: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"^{message}$"):
        call()  # type: ignore[operator]


def test_the_checks_let_good_values_through() -> None:
    check_int("n", None, minimum=1, allow_none=True)
    check_int("n", 0, minimum=0)
    check_bool("flag", False)
    check_choice("kind", "b", ("a", "b"))
    assert json_normalized({"t": (1, 2)}, what="x") == {"t": [1, 2]}


def test_a_config_round_trips_through_json_and_refuses_unknown_options() -> None:
    config = TinyConfig(n=5, kind="b", flag=True)
    stored = json.loads(json.dumps(config.to_dict()))
    assert stored == {"n": 5, "kind": "b", "flag": True}
    assert TinyConfig.from_dict(stored) == config
    assert TinyConfig.from_dict({"n": 7}) == TinyConfig(n=7, kind="a", flag=False)
    assert config.replace(kind="a") == TinyConfig(n=5, kind="a", flag=True)
    with pytest.raises(InvalidArgumentError, match="^unknown tiny option 'm'; choices: n, kind, flag$"):
        TinyConfig.from_dict({"m": 1})
    with pytest.raises(InvalidArgumentError, match="^unknown tiny option 'm'; choices: n, kind, flag$"):
        config.replace(m=1)
    with pytest.raises(InvalidArgumentError, match="^n must be a positive int, got 0$"):
        config.replace(n=0)  # validated again
