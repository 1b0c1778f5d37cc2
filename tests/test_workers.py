"""The worker pool (`core/workers.py`): every index computed once, results in input order, chunks handed out so
that the workers finish together."""

from __future__ import annotations

import pytest

from lmimigrate.core import workers


@pytest.mark.parametrize("n, jobs", [(945, 2), (2501, 2), (300, 3), (64, 2), (7, 4), (1, 2), (0, 2)])
def test_chunks_cover_every_index_once_in_order_and_shrink_towards_the_end(n, jobs):
    tasks = workers._Chunks(n, jobs)
    chunks = []
    while (task := tasks.take()) is not None:
        chunks.append(task)
    assert [i for start, size in chunks for i in range(start, start + size)] == list(range(n))
    sizes = [size for _, size in chunks]
    assert all(1 <= s <= 64 for s in sizes)
    assert sizes == sorted(sizes, reverse=True)  # guided: never a larger chunk after a smaller one
    if n:
        assert sizes[0] == min(64, max(1, n // (jobs * 4)))  # a share of what is left
        assert sizes[-1] == 1  # the last ones are single files: no long tail on one core


@pytest.mark.parametrize("n, jobs", [(945, 2), (300, 3), (7, 4), (1, 2), (0, 2)])
def test_weighted_chunks_are_shares_of_the_work_left(n, jobs):
    """Largest first, as the run hands out files: a chunk holds a share of the remaining weight (at least one
    file, at most 64), so the first chunks are a few large files and the last ones single small files."""
    weights = sorted(((i * 7919) % 200_000 + 2048 for i in range(n)), reverse=True)
    tasks = workers._Chunks(n, jobs, weights)
    chunks = []
    while (task := tasks.take()) is not None:
        chunks.append(task)
    assert [i for start, size in chunks for i in range(start, start + size)] == list(range(n))
    for start, size in chunks:
        left = sum(weights[start:])
        assert 1 <= size <= 64
        assert size == 1 or sum(weights[start : start + size]) <= left / (jobs * 4)
    if n > 64:
        assert chunks[0][1] < 64 and chunks[-1][1] == 1


@pytest.mark.parametrize("n, jobs", [(0, 2), (1, 2), (3, 4), (200, 2), (1000, 3)])
def test_run_gives_every_result_in_input_order(n, jobs):
    done = []
    assert workers.run(n, jobs, lambda i: i * i, done.append) == [i * i for i in range(n)]
    assert sum(done) == n
    assert workers.run(n, jobs, lambda i: -i, None, [n - i for i in range(n)]) == [-i for i in range(n)]
