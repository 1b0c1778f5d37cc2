"""Version detection, stack-agnostic: stacks register detectors that find the versions a repository runs
today in a file's bytes (for a missing --from); the core asks all of them. A detector is a pure function of
(path, bytes), so its results can be cached per file (see core/scoping.py, which resolves them per directory)."""

from __future__ import annotations

from lmimigrate.core.record import record
from collections.abc import Callable

from lmimigrate.core.pep440 import Version

from lmimigrate.core.versions import stacks


@record(frozen=True)
class Detection:
    stack: str
    version: Version | None  # None: a refused spelling (see `refused`)
    path: str
    line: int
    text: str  # what was matched
    note: str = ""
    refused: str = ""  # why this spelling, which looks like an anchor, gives no version


Detector = Callable[[str, bytes], "list[Detection]"]
_DETECTORS: list[Detector] = []


def register_detector(fn: Detector) -> Detector:
    _DETECTORS.append(fn)
    return fn


def detect(path: str, data: bytes) -> list[Detection]:
    stacks()  # the built-in stacks register their detectors when loaded
    found: list[Detection] = []
    for fn in _DETECTORS:
        found.extend(fn(path, data))
    return found


def oldest_per_stack(detections: list[Detection]) -> dict[str, Detection]:
    best: dict[str, Detection] = {}
    for d in detections:
        if d.version is None:
            continue
        kept = best.get(d.stack)
        if kept is None or kept.version is None or d.version < kept.version:  # (kept ones all have a version)
            best[d.stack] = d
    return best
