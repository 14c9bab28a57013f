"""The filing task's retries: quick ones, each shorter than the broker's visibility timeout.

A countdown longer than the timeout keeps the message unacknowledged in a worker's hands, and Redis
hands it to another worker when the timeout passes (late acknowledgement): the case would be filed
by several workers at once, again and again. Longer waits belong to the minute sweep.
"""

from __future__ import annotations

import pytest
from celery.exceptions import Retry

from tanzim.cases import tasks


class _Waits(list):
    def retry(self, *, countdown: int) -> Retry:
        self.append(countdown)
        return Retry()


@pytest.mark.parametrize("retries", range(tasks.file_case.max_retries + 1))
def test_a_filing_the_judiciary_refused_for_now_is_tried_again_within_the_visibility_timeout(
    monkeypatch, settings, retries
):
    monkeypatch.setattr("tanzim.cases.services.case_file", lambda case_id: "retry")
    waits = _Waits()
    monkeypatch.setattr(tasks.file_case, "retry", waits.retry)
    tasks.file_case.push_request(retries=retries, is_eager=False)
    try:
        with pytest.raises(Retry):
            tasks.file_case.run(case_id=1)
    finally:
        tasks.file_case.pop_request()

    assert len(waits) == 1
    assert 0 < waits[0] < settings.CELERY_VISIBILITY_TIMEOUT


@pytest.mark.parametrize("timeout", [5, 120, 3600])
def test_no_retry_countdown_reaches_the_visibility_timeout_however_it_is_set(settings, timeout):
    from tanzim.common.taskqueues import retry_countdown

    settings.CELERY_VISIBILITY_TIMEOUT = timeout
    waits = [retry_countdown(n) for n in range(12)]

    assert all(0 < wait < timeout for wait in waits)
    assert waits == sorted(waits) and waits[0] == min(30, timeout // 2)
