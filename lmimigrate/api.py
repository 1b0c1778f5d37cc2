"""The reusable API: check (and optionally fix) a set of paths. The CLI is a thin layer over `run`."""

from __future__ import annotations

import fnmatch
import os
import re
import traceback
from dataclasses import dataclass, field

from lmimigrate import detect as detect_mod
from lmimigrate import writer
from lmimigrate.discovery import Candidate, Skipped, discover, read_candidate
from lmimigrate.engine import (
    INTERNAL_ERROR,
    TOO_LARGE,
    UNREADABLE,
    WRITE_FAILED,
    Engine,
    FileOutcome,
    decode,
    tool_finding,
)
from lmimigrate.ftypes import Applicability, Finding, Severity
from lmimigrate.registry import matches
from lmimigrate.rule import Rule
from lmimigrate.versions import NEWEST, VersionPair, lmi_bundled_vllm
from packaging.version import Version


#: Stacks that are alternatives to another one: only in play when named (--from/--to/config) or detected.
#: vllm-gaudi replaces the vllm-fork; a fork user must not be told about plugin renames.
OPT_IN_STACKS = ("vllm-gaudi",)


@dataclass
class Options:
    paths: list[str]
    from_: dict[str, Version] = field(default_factory=dict)  # explicit --from (or config)
    to: dict[str, Version] = field(default_factory=dict)
    rules: list[type[Rule]] = field(default_factory=list)
    fix: Applicability | None = None  # None: report only; SAFE: --fix; UNSAFE: --fix --unsafe-fixes
    write: bool = True  # False for --diff
    excludes: tuple[str, ...] = ()
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    max_file_size: int = 10 * 1024 * 1024
    debug: bool = False


@dataclass
class Report:
    outcomes: list[FileOutcome]
    pairs: dict[str, VersionPair]
    detections: list[detect_mod.Detection]
    skipped: list[Skipped]
    files_checked: int
    internal_error: bool = False

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.outcomes for f in o.findings]

    @property
    def fixed(self) -> int:
        return sum(o.fixes_applied for o in self.outcomes)


def version_pairs(opts: Options, detected: dict[str, detect_mod.Detection]) -> dict[str, VersionPair]:
    """One pair per stack. An LMI pair implies the vLLM pair of the releases it bundles."""
    pairs: dict[str, VersionPair] = {}
    for stack, newest in NEWEST.items():
        if stack in OPT_IN_STACKS and stack not in opts.to and stack not in opts.from_ and stack not in detected:
            continue
        to = opts.to.get(stack, newest)
        if stack in opts.from_:
            frm, source = opts.from_[stack], "given"
        elif stack in detected:
            frm, source = detected[stack].version, f"{detected[stack].path}:{detected[stack].line}"
        else:
            frm, source = None, None
        if frm is not None and frm > to:
            frm = to
        pairs[stack] = VersionPair(stack, frm, to, source)
    lmi = pairs["lmi"]
    if "vllm" not in opts.to and "lmi" in opts.to:
        bundled_to = lmi_bundled_vllm(lmi.to)
        bundled_from = lmi_bundled_vllm(lmi.from_) if lmi.from_ is not None else None
        if bundled_to is not None:
            if "vllm" in opts.from_:
                bundled_from = opts.from_["vllm"]
            pairs["vllm"] = VersionPair("vllm", bundled_from, bundled_to, "implied by " + (lmi.from_source or "lmi"))
    return pairs


def _prefilter(rules: list[Rule]) -> dict[str, re.Pattern | None]:
    """Per surface: a regex of the tokens any active rule needs, or None when some rule needs none."""
    from lmimigrate.surfaces import SURFACE_MODULES

    out: dict[str, re.Pattern | None] = {}
    for surface in SURFACE_MODULES:
        tokens: set[bytes] = set()
        always = False
        for r in rules:
            # Notebook cells are read as python/properties/env/...: a notebook needs every rule's tokens.
            if r.surfaces and surface != "notebook" and surface not in r.surfaces:
                continue
            if not r.tokens:
                always = True
                break
            tokens.update(r.tokens)
        out[surface] = None if always else re.compile(b"|".join(re.escape(t) for t in sorted(tokens)) or b"(?!x)x")
    return out


def _per_file_ignored(path: str, codes_by_glob: dict[str, list[str]]) -> list[str]:
    norm = path.replace(os.sep, "/")
    out: list[str] = []
    for glob, codes in codes_by_glob.items():
        if fnmatch.fnmatchcase(norm, glob) or fnmatch.fnmatchcase(os.path.basename(norm), glob):
            out.extend(codes)
    return out


def run(opts: Options) -> Report:
    skipped: list[Skipped] = []
    candidates: list[tuple[Candidate, bytes]] = []
    detections: list[detect_mod.Detection] = []
    tool_findings: list[FileOutcome] = []
    for item in discover(opts.paths, opts.excludes):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        data = read_candidate(item, opts.max_file_size)
        if isinstance(data, Skipped):
            if item.explicit or item.surface:
                code = TOO_LARGE if "size limit" in data.reason else UNREADABLE
                sev = Severity.WARNING if code == TOO_LARGE or "not a regular" in data.reason else Severity.ERROR
                tool_findings.append(FileOutcome(item.display, [tool_finding(code, data.reason, item.display, severity=sev)]))
            skipped.append(data)
            continue
        detections.extend(detect_mod.detect(item.display, data))
        if item.surface is not None:
            candidates.append((item, data))

    pairs = version_pairs(opts, detect_mod.oldest_per_stack(detections))
    rules = [r() for r in opts.rules]
    active = [r for r in rules if r.active(pairs)]
    engine = Engine(active, pairs, debug=opts.debug)
    prefilter = _prefilter(active)

    outcomes: list[FileOutcome] = list(tool_findings)
    internal = False
    for cand, data in candidates:
        try:
            outcome = check_one(engine, cand, data, opts, prefilter)
        except Exception as exc:  # a bug in a surface: report it on this file and go on (exit 2)
            msg = f"internal error while checking this file: {type(exc).__name__}: {exc}"
            if opts.debug:
                msg += "\n" + traceback.format_exc()
            outcome = FileOutcome(cand.display, [tool_finding(INTERNAL_ERROR, msg, cand.display)], data)
            outcome.internal_error = True
        internal = internal or outcome.internal_error
        outcomes.append(outcome)
    return Report(outcomes, pairs, detections, skipped, len(candidates), internal)


def check_one(engine: Engine, cand: Candidate, data: bytes, opts: Options, prefilter) -> FileOutcome:
    outcome = FileOutcome(cand.display, original=data)
    rx = prefilter.get(cand.surface)
    if rx is not None and not rx.search(data):
        return outcome
    decoded = decode(data, cand.display)
    if isinstance(decoded, Finding):
        outcome.findings.append(decoded)
        return outcome
    ignored = _per_file_ignored(cand.display, opts.per_file_ignores)
    findings, text, applied, crashed = engine.check_text(cand.display, decoded.text, cand.surface, opts.fix)
    outcome.internal_error = crashed
    outcome.findings = [f for f in findings if not (ignored and matches(f.code, ignored))]
    if applied:
        new = decoded.encode(text)
        if new != data:
            outcome.fixed = new
            outcome.fixes_applied = applied
            if opts.write:
                problem = writer.write_atomic(cand.fs_path, data, new)
                if problem:
                    # Nothing changed on disk: report what the file still contains.
                    findings, _, _, _ = engine.check_text(cand.display, decoded.text, cand.surface, None)
                    outcome.findings = [f for f in findings if not (ignored and matches(f.code, ignored))]
                    outcome.findings.append(tool_finding(WRITE_FAILED, problem, cand.display))
                    outcome.fixed = None
                    outcome.fixes_applied = 0
    return outcome
