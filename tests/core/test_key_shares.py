"""Field keys split k of n (SLIP-39): any k shares give the key back, fewer give nothing."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from lifeline.core.crypto import generate_key_spec
from lifeline.core.key_shares import SharesRefused, key_join, key_split

RING = [generate_key_spec("k2"), generate_key_spec("k1")]


def test_any_three_of_five_shares_give_each_key_back() -> None:
    split = key_split(RING, threshold=3, shares=5)
    assert list(split) == ["k2", "k1"]
    for entry in RING:
        key_id = entry.partition(":")[0]
        assert len(split[key_id]) == 5
        for chosen in itertools.combinations(split[key_id], 3):
            assert key_join(key_id, chosen) == entry


def test_two_shares_or_shares_of_two_keys_give_nothing() -> None:
    split = key_split(RING, threshold=3, shares=5)
    with pytest.raises(SharesRefused, match="do not give a key back"):
        key_join("k1", split["k1"][:2])
    with pytest.raises(SharesRefused, match="do not give a key back"):
        key_join("k1", [*split["k1"][:2], split["k2"][0]])


@pytest.mark.parametrize(("threshold", "shares"), [(1, 5), (4, 3), (0, 0), (3, 17)])
def test_a_split_that_protects_nothing_or_cannot_be_made_is_refused(
    threshold: int, shares: int
) -> None:
    with pytest.raises(SharesRefused, match="threshold"):
        key_split(RING, threshold=threshold, shares=shares)


def test_the_commands_split_the_configured_keys_and_join_what_was_printed(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = RING
    out = io.StringIO()
    call_command("keys_split", "--shares", "4", "--threshold", "2", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if "(key k1)" in line]
    assert len(lines) == 4
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{lines[3]}\n{lines[0]}\n\n"))
    joined = io.StringIO()
    call_command("keys_join", "k1", stdout=joined)
    assert joined.getvalue().strip() == RING[1]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{lines[3]}\n\n"))
    with pytest.raises(CommandError, match="do not give a key back"):
        call_command("keys_join", "k1")
