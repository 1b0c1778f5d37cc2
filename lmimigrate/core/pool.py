"""A version group's files checked in forked worker processes (core/workers.py: they stop cleanly on a signal and
die with the parent), the largest files first; results come back in input order, so output is the same as a
check in one process."""

from __future__ import annotations

import os

from lmimigrate.core.discovery import Candidate, Skipped, read_candidate
from lmimigrate.core.engine import UNREADABLE, Engine, FileOutcome, tool_finding
from lmimigrate.core.ruleindex import materialize
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Callable

    from lmimigrate.core.api import Options

#: A file's cost in the workers beyond its size, in bytes of source: reading it and its prefilter (corpus B: a
#: file the prefilter skips costs ~0.3 ms, about what parsing and checking 2 KB of Python costs).
FILE_COST = 2048

_WORKER: tuple[Engine, Options, list[Candidate]] | None = None  # (engine, opts, candidates), inherited through fork


def largest_first(todo: list[int], candidates: list[tuple[Candidate, bytes | None]]) -> list[int]:
    """Sorts `todo` (indices into `candidates`) by expected cost, largest first, and returns the costs in that
    order: the workers' last chunks are small files, so they finish together (corpus B: a 195 KB module handed
    out last kept one core busy ~0.4 s after the other had stopped)."""
    cost = {i: _size(*candidates[i]) + FILE_COST for i in todo}
    todo.sort(key=lambda i: -cost[i])
    return [cost[i] for i in todo]


def _size(cand: Candidate, data: bytes | None) -> int:
    if data is not None:
        return len(data)
    try:
        return os.stat(cand.fs_path).st_size
    except OSError:
        return 0


def check(engine: Engine, opts: Options, cands: list[Candidate], jobs: int,
          arrived: Callable[[int], None] | None = None, weights: list[int] | None = None) -> list[FileOutcome]:
    """The outcomes of `cands`, checked in `jobs` workers; `arrived(count)` as each chunk of results comes in."""
    from lmimigrate.core import workers

    global _WORKER
    # Import the rules the run may need before forking, once, rather than in every worker.
    engine = Engine(materialize(engine.rules), engine.pairs, debug=engine.debug)
    _WORKER = (engine, opts, cands)
    try:
        return workers.run(len(cands), jobs, _check_one, arrived, weights)
    finally:
        _WORKER = None


def _check_one(i: int) -> FileOutcome:
    from lmimigrate.core.api import _check_guarded

    engine, opts, cands = _WORKER  # type: ignore[misc]  # (set before the workers fork)
    cand = cands[i]
    data = read_candidate(cand, opts.max_file_size)
    if isinstance(data, Skipped):  # it changed since it was read: report as the serial run would have
        out = FileOutcome(cand.display, [tool_finding(UNREADABLE, data.reason, cand.display)])
        out.original = None
        return out
    return _detach(_check_guarded(engine, cand, data, opts))


def _detach(outcome: FileOutcome) -> FileOutcome:
    """What the parent needs of an outcome, without parse trees (they do not pickle, and weigh)."""
    from lmimigrate.core.ftypes import Unit

    copies: dict[int, Unit] = {}
    for f in outcome.findings:
        u = f.unit
        if u is None:
            continue
        c = copies.get(id(u))
        if c is None:
            c = copies[id(u)] = Unit(text=u.text, surface=u.surface, cell=u.cell, newline=u.newline,
                                     comment_prefixes=u.comment_prefixes)
        f.unit = c
    if outcome.fixed is None:
        outcome.original = None  # the parent has the bytes
    return outcome
