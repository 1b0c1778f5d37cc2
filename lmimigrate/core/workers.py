"""Forked worker processes for large runs, built to stop cleanly.

multiprocessing.Pool shares one task queue and its lock between workers: a worker stopped while holding the
lock deadlocks `Pool.terminate()`, Ctrl-C printed worker tracebacks, and workers orphaned by a SIGTERM to the
parent went on rewriting files. Here each worker has its own task pipe and result pipe, nothing is shared:

- the parent hands out chunks of indices; a closed task pipe (EOF) tells a worker to stop, and it is also
  what a worker sees when the parent dies on a system without PR_SET_PDEATHSIG (interrupt.become_worker);
- on an interruption the parent stops handing out work, sends SIGTERM (a worker finishes the file it is
  writing, then exits), waits for every worker, and re-raises;
- results (pickled, length-prefixed) come back per chunk and are put in input order.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import struct
import traceback

from lmimigrate.core import interrupt
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable

_LEN = struct.Struct(">Q")


def _send(fd: int, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _recv(fd: int) -> Any:
    """One frame, or None at EOF."""
    head = _read_exact(fd, _LEN.size)
    if head is None:
        return None
    body = _read_exact(fd, _LEN.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def _read_exact(fd: int, n: int) -> bytes | None:
    parts, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _serve(task_r: int, res_w: int, work: Callable[[int], Any]) -> None:
    while True:
        task = _recv(task_r)
        if task is None:
            return
        start, count = task
        try:
            _send(res_w, ("ok", start, [work(i) for i in range(start, start + count)]))
        except Exception:  # a bug outside the per-file guard: the parent reports it
            _send(res_w, ("error", start, traceback.format_exc()))
            return


def run(n: int, jobs: int, work: Callable[[int], Any], done: Callable[[int], None] | None = None,
        weights: list[int] | None = None) -> list[Any]:
    """[work(i) for i in range(n)], computed in `jobs` forked processes. `done(count)` is called in this
    process as each chunk of results arrives (a progress bar), not once at the end. `weights`: each index's
    expected cost (a file's size), for chunks of similar work rather than of similar counts."""
    tasks = _Chunks(n, jobs, weights)
    parent = os.getpid()
    workers: dict[int, tuple[int, int]] = {}  # result fd -> (pid, task fd)
    results: list[Any] = [None] * n
    sel = selectors.DefaultSelector()
    try:
        for _ in range(min(jobs, n)):
            task_r, task_w = os.pipe()
            res_r, res_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the parent's code
                code = 0
                try:
                    os.close(task_w)
                    os.close(res_r)
                    for fd, (_pid, tfd) in workers.items():
                        os.close(fd)
                        os.close(tfd)
                    interrupt.become_worker(parent)
                    _serve(task_r, res_w, work)
                except BaseException:
                    code = 1
                finally:
                    os._exit(code)
            os.close(task_r)
            os.close(res_w)
            workers[res_r] = (pid, task_w)
            sel.register(res_r, selectors.EVENT_READ)
            _hand_out(task_w, tasks)
        for fd, (pid, task_w) in list(workers.items()):  # a second chunk queued: no wait between chunks
            if not _hand_out(task_w, tasks):
                os.close(task_w)
                workers[fd] = (pid, -1)
        while workers:
            for key, _ in sel.select():
                fd = key.fd
                frame = _recv(fd)
                pid, task_w = workers[fd]
                if frame is None:  # finished (its task pipe was closed), or died
                    sel.unregister(fd)
                    os.close(fd)
                    del workers[fd]
                    _, status = os.waitpid(pid, 0)
                    if status != 0:
                        raise RuntimeError(f"a worker process stopped unexpectedly (status {status})")
                    continue
                kind, start, payload = frame
                if kind == "error":
                    raise RuntimeError("a worker process failed:\n" + payload)
                results[start : start + len(payload)] = payload
                if done is not None:
                    done(len(payload))
                if task_w >= 0 and not _hand_out(task_w, tasks):
                    os.close(task_w)
                    workers[fd] = (pid, -1)
        return results
    finally:
        _stop(workers, sel)


class _Chunks:
    """Chunks of indices in order, each a share of what is left ("guided" scheduling): large ones first (few
    round trips), small ones at the end, so the workers finish together instead of one finishing a last
    large chunk alone (corpus B: 945 files in chunks of 59 left up to ~0.5 s of one core idle). With weights,
    the share is of the work left: a chunk of the largest files is a few files, one of small files many (the
    run hands out the largest files first; chunks of 64 of them kept one core busy ~0.2 s after the other)."""

    def __init__(self, n: int, jobs: int, weights: list[int] | None = None):
        self.n, self.jobs, self.next = n, jobs, 0
        self.weights = weights if weights is not None else [1] * n  # (all 1: a share of the files left)
        self.left_after = [0] * (n + 1)  # the weight of indices i.. (a suffix sum)
        for i in range(n - 1, -1, -1):
            self.left_after[i] = self.left_after[i + 1] + self.weights[i]

    def take(self) -> tuple[int, int] | None:
        start = self.next
        if start >= self.n:
            return None
        share = self.left_after[start] / (self.jobs * 4)
        end, got = start, 0
        while end < self.n and end - start < 64 and (end == start or got + self.weights[end] <= share):
            got += self.weights[end]
            end += 1
        self.next = end
        return start, end - start


def _hand_out(task_w: int, tasks: _Chunks) -> bool:
    task = tasks.take()
    if task is None:
        return False
    _send(task_w, task)
    return True


def _stop(workers: dict[int, tuple[int, int]], sel: selectors.BaseSelector) -> None:
    """After an interruption or a failure: stop every worker (each finishes a write in progress) and wait."""
    with interrupt.deferred():  # a second Ctrl-C must not leave workers behind
        for fd, (pid, task_w) in workers.items():
            if task_w >= 0:
                os.close(task_w)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for fd, (pid, _task_w) in workers.items():
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            os.close(fd)
        workers.clear()
        sel.close()
