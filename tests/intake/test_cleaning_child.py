"""Cleaning in a child process: a bomb or a runaway decoder costs the child, never the caller."""

from __future__ import annotations

import piexif
import pytest

from lifeline.intake.attachments import sandbox as cleaning_child
from lifeline.intake.attachments.cleaning import (
    NONE,
    OUT_OF_MEMORY,
    OUT_OF_TIME,
    STRIPPED,
    CleaningRefused,
    TooLarge,
)
from lifeline.intake.attachments.sandbox import CleaningAborted, Limits, clean_bounded
from tests.intake.test_cleaning import image_bytes, jpeg_with_gps, png_bomb

MIB = 1024 * 1024
ROOMY = Limits(
    max_unpacked_bytes=50 * MIB, max_pixels=50_000_000, memory_bytes=512 * MIB, seconds=60
)


def test_a_photo_is_cleaned_in_the_child() -> None:
    cleaned = clean_bounded(jpeg_with_gps(), "IMG_0042.jpg", limits=ROOMY)
    assert (cleaned.content_type, cleaned.cleaning) == ("image/jpeg", STRIPPED)
    assert not piexif.load(cleaned.data)["GPS"]


def test_a_bomb_is_refused_from_its_header_even_on_a_small_budget() -> None:
    # 400 megapixels would need 400 MB to decode; 64 MB is plenty to read the header and refuse.
    tight = Limits(
        max_unpacked_bytes=50 * MIB, max_pixels=50_000_000, memory_bytes=64 * MIB, seconds=60
    )
    with pytest.raises(TooLarge, match=r"the image is too large to decode"):
        clean_bounded(png_bomb(20_000, 20_000), "bomb.png", limits=tight)


def test_an_undecodable_picture_is_still_refused() -> None:
    with pytest.raises(CleaningRefused, match=r"the image cannot be decoded") as refused:
        clean_bounded(b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.png", limits=ROOMY)
    assert not isinstance(refused.value, TooLarge)


def test_a_child_over_its_memory_budget_is_reported_as_such() -> None:
    tiny = Limits(max_unpacked_bytes=50 * MIB, max_pixels=50_000_000, memory_bytes=MIB, seconds=60)
    with pytest.raises(CleaningAborted, match=r"^out-of-memory$") as aborted:
        clean_bounded(image_bytes("PNG", size=(3000, 3000)), "scan.png", limits=tiny)
    assert aborted.value.reason == OUT_OF_MEMORY
    # The caller is unharmed: the next file is cleaned as usual.
    assert clean_bounded(jpeg_with_gps(), "a.jpg", limits=ROOMY).cleaning == STRIPPED


def test_a_child_over_its_time_budget_is_reported_as_such() -> None:
    hasty = Limits(
        max_unpacked_bytes=50 * MIB, max_pixels=50_000_000, memory_bytes=512 * MIB, seconds=0.05
    )
    with pytest.raises(CleaningAborted, match=r"^out-of-time$") as aborted:
        # 16 megapixels to decode and encode again: far more than a twentieth of a second.
        clean_bounded(image_bytes("PNG", size=(4000, 4000)), "scan.png", limits=hasty)
    assert aborted.value.reason == OUT_OF_TIME


def test_a_file_that_is_not_decoded_needs_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("a child process was started")

    monkeypatch.setattr(cleaning_child._context, "Process", no_child)
    data = "Шукаю брата\n".encode()
    cleaned = clean_bounded(data, "note.txt", limits=ROOMY)
    assert (cleaned.data, cleaned.cleaning) == (data, NONE)
