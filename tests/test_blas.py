"""The BLAS thread settings: one thread for the app's traces, every core inside ``all_cores``."""
from __future__ import annotations

import os

import pytest

from lstm_viewer.core.blas import all_cores, blas_threads, limit_blas_threads, one_thread


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


def test_a_pass_with_threads_of_its_own_keeps_one_thread_and_the_rest_is_restored():
    if not limit_blas_threads(2) or blas_threads() is None:
        pytest.skip("numpy's BLAS here is not an OpenBLAS that can be told its threads")
    try:
        with one_thread():                 # a state-space pass, as a script runs it (2 threads before)
            assert blas_threads() == 1
            with all_cores():              # an occlusion job meanwhile: the pass's threads have the cores
                assert blas_threads() == 1
            assert blas_threads() == 1
        assert blas_threads() == 2         # what was in force before
        with all_cores(), one_thread():
            assert blas_threads() == 1
        assert blas_threads() == 2
    finally:
        limit_blas_threads(1)
