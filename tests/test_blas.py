"""The BLAS thread settings: one thread for the app's traces, every core inside ``all_cores``."""
from __future__ import annotations

import os

import pytest

from lstm_viewer.core.blas import all_cores, blas_threads, limit_blas_threads


def test_all_cores_raises_the_threads_and_returns_to_one():
    if not limit_blas_threads(1) or blas_threads() is None:
        pytest.skip("numpy's BLAS here is not an OpenBLAS that can be told its threads")
    assert blas_threads() == 1
    with all_cores():
        assert blas_threads() == len(os.sched_getaffinity(0))
    assert blas_threads() == 1
    with pytest.raises(RuntimeError), all_cores():
        raise RuntimeError("a failing job")
    assert blas_threads() == 1
    with all_cores():                 # overlapping blocks (a superseded job still finishing)
        with all_cores():
            pass
        assert blas_threads() == len(os.sched_getaffinity(0))
    assert blas_threads() == 1
