"""The tree memo: the repository-wide version detection of a run on named files (a pre-commit batch).

A named file with no version anchor in its directory tree takes the repository's anchors, so such a run looks
at every file of the work tree. The stat memo (filememo.py) spares it reading them, but listing the tree and
asking each file's record still cost ~200 ms of a two-file batch in corpus A (2,500 files). This memo keeps
the tree's detections with what they were made from (`runmemo.Deps`: the directories listed, every file's stat,
the git index and ignore files, lmimigrate's code) under a key of the tree's root, the excludes and the current
directory (a detection names its file relative to it). The next batch stats those paths and, when none moved
(the run memo's rules, racy mtimes included), takes the detections without listing or classifying anything.
Anything else is a miss: the normal scan, which writes a new memo. Runs on directories record their listing
for the run memo instead and do not use this one.
"""

from __future__ import annotations

import os

from lmimigrate.core import runmemo

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    from lmimigrate.core.detection import Detection
    from lmimigrate.core.discovery import View

    Found = list[tuple[str, list[Detection]]]  # (file system path, its anchors)

KIND = "tree"
KEEP = 4  # trees of other excludes or working directories


def detections(cache_root: str, secret: bytes, tree_root: str, excludes: tuple[str, ...],
               scan: Callable[[View], Found]) -> Found:
    """The anchors of the tree's files, each with its path: from the memo when nothing they were made from
    changed, else `scan(view)` (a view that records what the scan reads), kept for the next run."""
    from lmimigrate.core.discovery import View

    memo_key = runmemo.key([KIND, os.path.abspath(tree_root), os.getcwd(), *excludes])
    value = runmemo.load_value(cache_root, secret, memo_key, KIND)
    if value is not None:
        try:
            return [(str(fs), [runmemo.decode_detection(d) for d in ds]) for fs, ds in value]
        except Exception:  # a damaged memo: the scan
            pass
    deps = runmemo.Deps()
    deps.code([])
    found = scan(View(deps))
    stored = [[fs, [runmemo.encode_detection(d) for d in ds]] for fs, ds in found if ds]
    runmemo.save_value(cache_root, secret, memo_key, KIND, deps, stored, KEEP)
    return found
