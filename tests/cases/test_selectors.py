"""Case selectors: who may read cases at all, and lookup by id or reference."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lifeline.cases.selectors import (
    QueueFilters,
    case_get_for,
    case_open_counts_for,
    case_queue_for,
    case_timeline_for,
)
from tests.cases.helpers import create_case


@pytest.mark.parametrize("refused", ["dave", "frank", "mallory"])
def test_these_users_cannot_read_cases(request, refused: str) -> None:
    user = request.getfixturevalue(refused)
    case = create_case(inbound="hello")
    reads = [
        lambda: case_get_for(user=user, key=case.pk),
        # Refused before the lookup: an unknown reference gives 403 too, not 404.
        lambda: case_get_for(user=user, key="LF-0000-0000"),
        lambda: case_queue_for(user=user, filters=QueueFilters()),
        lambda: case_open_counts_for(user=user),
        lambda: case_timeline_for(user=user, case=case),
    ]
    for read in reads:
        with pytest.raises(PermissionDenied, match=r"^case\.view$"):
            read()


def test_case_is_found_by_id_or_by_reference_as_people_type_it(alice) -> None:
    case = create_case()
    assert case_get_for(user=alice, key=case.pk) == case
    assert case_get_for(user=alice, key=str(case.pk)) == case
    assert case_get_for(user=alice, key=case.reference.lower().replace("-", " ")) == case
    for missing in ("LF-0000-0000", "999999", "nonsense"):
        with pytest.raises(Http404, match=r"^no such case$"):
            case_get_for(user=alice, key=missing)
