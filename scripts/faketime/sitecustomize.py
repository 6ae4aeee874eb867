"""Loaded by every Python process of `make test-future` (scripts/test.sh puts this folder on PYTHONPATH).

libfaketime 0.9.10 (Debian 12) with FAKETIME_DONT_FAKE_MONOTONIC=1 fails Python's time.sleep: it waits with
clock_nanosleep on an absolute monotonic deadline, which the library shifts by the fake offset (EINVAL, "Invalid
argument"). Without that setting, waits with a timeout (threading, queue, subprocess) take the shifted deadline
and hang for the offset. So the monotonic clock stays real and sleeping goes through select()'s relative timeout.
"""
import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
