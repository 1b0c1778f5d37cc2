"""A run's report as JSON values, for the run memo (core/runmemo.py): what a warm re-run with nothing changed
shows again. Outcomes without findings are kept as their paths (packed by directory), and a unit whose text is
its whole file's as a reference to the file, read again when the memo is used (its stat was just found
unchanged; the result cache does the same): a memo of a tree with findings in many large files would otherwise
hold them all."""

from __future__ import annotations

from lmimigrate.core.runmemo import decode_detection, encode_detection, pack_paths, unpack_paths

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from lmimigrate.core.api import Report


def _pair(p: Any) -> list[Any]:
    return [p.stack, None if p.from_ is None else str(p.from_), str(p.to), p.from_source]


def _file_text(path: str) -> str | None:
    """A checked file's text, as the result cache gives it to its units (None: not readable as text)."""
    from lmimigrate.core.api import _text

    try:
        with open(path, "rb") as fh:
            return _text(fh.read())
    except OSError:
        return None


def encode_report(report: Report) -> dict[str, Any]:
    """The report as JSON values (see the module's docstring)."""
    from lmimigrate.core import cache

    return {
        "paths": pack_paths([o.path for o in report.outcomes]),  # (most have no finding: only the others are encoded)
        "findings": {str(i): [cache.encode(o.findings, _file_text(o.path) if any(f.unit for f in o.findings) else None),
                              [f.file_position for f in o.findings]]
                     for i, o in enumerate(report.outcomes) if o.findings},
        "pairs": [_pair(p) for p in report.pairs.values()],
        "detections": [encode_detection(d) for d in report.detections],
        "skipped": [[s.display, s.reason] for s in report.skipped],
        "files_checked": report.files_checked,
        "notes": report.notes,
        "groups": [[[_pair(p) for p in pairs.values()], n] for pairs, n in report.version_groups],
        "skipped_checks": report.skipped_checks,
    }


def decode_report(value: dict[str, Any]) -> Report:
    from lmimigrate.core.pep440 import Version

    from lmimigrate.core import cache
    from lmimigrate.core.api import Report
    from lmimigrate.core.discovery import Skipped
    from lmimigrate.core.engine import FileOutcome
    from lmimigrate.core.versions import VersionPair

    def pairs(items: list[list[Any]]) -> dict[str, VersionPair]:
        return {s: VersionPair(s, None if f is None else Version(f), Version(t), src) for s, f, t, src in items}

    outcomes = [FileOutcome(path, []) for path in unpack_paths(value["paths"])]
    for i, (findings, positions) in value["findings"].items():
        if not cache._valid(findings) or len(positions) != len(findings) - 1:
            raise ValueError("not a memoized outcome")
        outcome = outcomes[int(i)]
        text = None
        if any(u[0] is None for u in findings[0]):  # a unit that is the whole file: read it
            text = _file_text(outcome.path)
            if text is None:
                raise ValueError(f"{outcome.path}: not readable")
        decoded = outcome.findings = cache.decode(findings, text)
        for f, pos in zip(decoded, positions):
            f.file_position = None if pos is None else (pos[0], pos[1], pos[2], pos[3])
    detections = [decode_detection(d) for d in value["detections"]]
    return Report(outcomes, pairs(value["pairs"]), detections, [Skipped(d, r) for d, r in value["skipped"]],
                  value["files_checked"], False, notes=list(value["notes"]),
                  version_groups=[(pairs(ps), n) for ps, n in value["groups"]],
                  skipped_checks={k: list(v) for k, v in value["skipped_checks"].items()})
