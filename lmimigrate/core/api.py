"""The reusable API: check (and optionally fix) a set of paths. The CLI is a thin layer over `run`."""

from __future__ import annotations

import os
from lmimigrate.core.record import field, record

from lmimigrate.core import detection as detect_mod
from lmimigrate.core import named, writer
from lmimigrate.core.discovery import Candidate, Skipped, View, discover, read_candidate
from lmimigrate.core.engine import (INTERNAL_ERROR, PLUGIN_ERROR, TOO_LARGE, UNREADABLE, WRITE_FAILED, Engine, FileOutcome,
                                    decode, tool_finding)
from lmimigrate.core.ftypes import Applicability, Finding, Severity
from lmimigrate.core.registry import matches
from lmimigrate.core.rule import Rule
from lmimigrate.core.ruleindex import activate
from lmimigrate.core.pairs import TargetError, version_pairs  # noqa: F401  (part of the API)
from lmimigrate.core.versions import VersionPair
from lmimigrate.core.pep440 import Version

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Callable
    from lmimigrate.core.ruleindex import Problem, RuleEntry


@record
class Options:
    paths: list[str]
    from_: dict[str, Version] = field(default_factory=dict)  # explicit --from (or config)
    to: dict[str, Version] = field(default_factory=dict)
    rules: list[type[Rule] | RuleEntry] = field(default_factory=list)  # rule classes, or index entries (registry.select): imported when needed
    fix: Applicability | None = None  # None: report only; SAFE: --fix; UNSAFE: --fix --unsafe-fixes
    write: bool = True  # False for --diff
    excludes: tuple[str, ...] = ()
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    max_file_size: int = 10 * 1024 * 1024
    debug: bool = False
    cache: bool = False  # read and write .lmimigrate_cache/ (report mode only); the CLI's default is on
    jobs: int | None = None  # worker processes; None: os.cpu_count() when there is enough work
    fix_hard_links: bool = False  # rewrite files with other hard links in place (else refused, LMM007)
    #: Rule plugins that could not be loaded or clash (registry.index().problems): reported as LMM020.
    plugin_problems: list[Problem] = field(default_factory=list)
    #: The directory of the configuration file in use: where repository-wide version detection looks when the
    #: paths are not in a git work tree.
    config_root: str | None = None
    #: Called as progress(done, total) while files are checked (total: the files to check), from the main
    #: process only; a progress bar hangs off it. Must be cheap: it may be called once per file.
    progress: Callable[[int, int], None] | None = None
    #: (file name, bytes) to check instead of `paths`: standard input, named by --stdin-filename. Never
    #: written: with a fix, the report's outcome carries the fixed bytes.
    stdin: tuple[str, bytes] | None = None


#: Candidate files from which a run is spread over worker processes (pre-commit already splits file lists,
#: and a process costs a fork plus sending results back).
POOL_MIN_FILES = 256
#: File contents held in memory between reading (for version detection) and checking; beyond, re-read.
KEEP_BYTES = 32 * 1024 * 1024


@record
class Report:
    outcomes: list[FileOutcome]
    pairs: dict[str, VersionPair]
    detections: list[detect_mod.Detection]
    skipped: list[Skipped]
    files_checked: int
    internal_error: bool = False
    notes: list[str] = field(default_factory=list)  # for stderr: the run itself (an unusable cache), detection
    #: (version pairs, files checked with them) when the versions differ between directory trees.
    version_groups: list[tuple[dict[str, VersionPair], int]] = field(default_factory=list)
    #: stack -> codes of default-change rules that did not run because its --from is unknown.
    skipped_checks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.outcomes for f in o.findings]

    @property
    def fixed(self) -> int:
        return sum(o.fixes_applied for o in self.outcomes)


def _per_file_ignored(path: str, codes_by_glob: dict[str, list[str]]) -> list[str]:
    norm = path.replace(os.sep, "/")
    out: list[str] = []
    for glob, codes in codes_by_glob.items():
        import fnmatch  # only with per-file ignores

        if fnmatch.fnmatchcase(norm, glob) or fnmatch.fnmatchcase(os.path.basename(norm), glob):
            out.extend(codes)
    return out


def run(opts: Options) -> Report:
    skipped: list[Skipped] = []
    candidates: list[tuple[Candidate, bytes | None]] = []
    found: list[tuple[str, detect_mod.Detection]] = []
    scanned: set[str] = set()
    tool_findings: list[FileOutcome] = [
        FileOutcome(f"<plugin {p.plugin}>", [tool_finding(PLUGIN_ERROR, p.message, f"<plugin {p.plugin}>")])
        for p in opts.plugin_problems
    ]
    use_cache = opts.cache and opts.fix is None and opts.stdin is None
    secret = None
    if use_cache:
        from lmimigrate.core import cache as cache_mod

        secret = cache_mod.cachedir.secret()
        use_cache = secret is not None
    named_files = opts.stdin is not None or not all(os.path.isdir(p) for p in opts.paths)
    memo = None
    deps = None
    if use_cache:
        from lmimigrate.core.filememo import FileMemo

        root = cache_mod.project_root(opts.paths)
        if opts.paths and not named_files:  # (the run memo is for directories: file lists change from run to run)
            from lmimigrate.core import runkey, runmemo

            run_key = runmemo.key(runkey.options_key(opts))
            stored = runmemo.load(root, secret, run_key)  # type: ignore[arg-type]  # (use_cache: a secret)
            if stored is not None:  # nothing the last run with these options read has changed
                return stored
            deps = runmemo.Deps()
            deps.code(runkey.rule_files(opts.rules))
        memo = FileMemo(root, secret)  # type: ignore[arg-type]  # (use_cache: a secret)
    view = View(deps)
    entries: list[str | None] = []
    kept = 0  # bytes of file contents held for the checks; past KEEP_BYTES a file is read again when checked
    discovered: set[str] = set()  # displays of every path discovery yielded (for LMM011)
    for item in named.stdin_candidates(opts.stdin) if opts.stdin else discover(opts.paths, opts.excludes, view):
        discovered.add(item.display)
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        if named_files:
            discovered.add(os.path.realpath(item.fs_path))  # another spelling of a named file is the same file
        st = view.stats.pop(item.fs_path, None)  # (taken by discovery)
        if memo is not None:
            try:  # before reading: a later change shows as another stat next time
                st = st or os.stat(item.fs_path)
            except OSError:
                st = None
            if deps is not None:
                deps.file(item.fs_path, st)
            hit = memo.get(item.display, item.surface, st, need_entry=item.surface is not None) if st is not None else None
            if hit is not None:  # unchanged since a previous run: not read at all
                entry, in_file = hit
                found.extend((item.fs_path, d) for d in in_file)
                scanned.add(view.abspath(item.fs_path))
                if item.surface is not None:
                    entries.append(entry)
                    candidates.append((item, None))
                continue
        data = opts.stdin[1] if opts.stdin else read_candidate(item, opts.max_file_size)
        if isinstance(data, Skipped):
            if item.explicit or item.surface:
                code = TOO_LARGE if "size limit" in data.reason else UNREADABLE
                sev = Severity.WARNING if code == TOO_LARGE or "not a regular" in data.reason else Severity.ERROR
                tool_findings.append(FileOutcome(item.display, [tool_finding(code, data.reason, item.display, severity=sev)]))
            skipped.append(data)
            continue
        in_file = detect_mod.detect(item.display, data)
        found.extend((item.fs_path, d) for d in in_file)
        scanned.add(view.abspath(item.fs_path))
        entry = cache_mod.entry(data, item.surface, item.display, secret) if use_cache and item.surface else None  # type: ignore[arg-type]  # (use_cache: a secret)
        if memo is not None and st is not None:
            memo.put(item.display, item.surface, st, entry, in_file)
        if item.surface is not None:
            if use_cache:
                entries.append(entry)
            kept += len(data)
            candidates.append((item, data if kept <= KEEP_BYTES or opts.stdin else None))
    tool_findings += named.not_read(opts.paths, opts.stdin, discovered)

    from lmimigrate.core import scoping

    versions = scoping.plan(opts.paths, set(opts.from_), [c.fs_path for c, _ in candidates], found, scanned,
                            lambda detected: version_pairs(opts, detected), opts.excludes, opts.config_root,
                            memo=memo, view=view)
    rules = opts.rules
    results: list[FileOutcome | None] = [None] * len(candidates)
    notes = list(versions.notes)
    code_stats: dict[str, dict[str, str]] = {}  # the result cache's key parts of each code directory, once per run
    for group in versions.groups:
        for note in _check_group(opts, rules, group.pairs, group.members, candidates, entries if use_cache else None,
                                 results, code_stats):
            if note not in notes:
                notes.append(note)
    if memo is not None:
        memo.save()
        cache_mod.prune_unused(root)
    _place_in_files(candidates, results, opts)  # type: ignore[arg-type]  # (every group filled its members')
    outcomes: list[FileOutcome] = list(tool_findings) + results  # type: ignore[operator]
    internal = any(o.internal_error for o in outcomes)
    groups = [(g.pairs, len(g.members)) for g in versions.groups]
    main = max(versions.groups, key=lambda g: len(g.members)).pairs
    report = Report(outcomes, main, versions.detections, skipped, len(candidates), internal,
                    version_groups=groups if len(groups) > 1 else [], notes=notes,
                    skipped_checks=scoping.skipped_checks(rules, [g.pairs for g in versions.groups if g.members]))
    if deps is not None:
        runmemo.save(root, secret, run_key, deps, report)  # type: ignore[arg-type]  # (deps: a secret)
    return report


def _check_group(opts: Options, rules: list[type[Rule] | RuleEntry], pairs: dict[str, VersionPair], members: list[int],
                 candidates: list[tuple[Candidate, bytes | None]], entries: list[str | None] | None,
                 results: list[FileOutcome | None], code_stats: dict[str, dict[str, str]] | None = None) -> list[str]:
    """Check the candidates `members` (indices) with one set of version pairs, filling `results`; returns notes
    about the run (an unusable cache)."""
    active = activate(rules, pairs)
    engine = Engine(active, pairs, debug=opts.debug)
    data: bytes | Skipped | None
    cache = None
    if entries is not None:
        from lmimigrate.core import cache as cache_mod
        from lmimigrate.core import runkey

        cache = cache_mod.Cache(cache_mod.project_root(opts.paths), cache_mod.run_key(runkey.results_key(opts, active, pairs, code_stats)))
        for i in members:
            cand, data = candidates[i]
            findings = cache.get(entries[i], lambda cand=cand, data=data: _text(_data(cand, data, opts)))  # type: ignore[arg-type, misc]
            if findings is not None:
                results[i] = FileOutcome(cand.display, findings, original=data or b"")
    todo = [i for i in members if results[i] is None]
    done, total = len(members) - len(todo), len(members)
    if opts.progress is not None:
        opts.progress(done, total)
    jobs = opts.jobs if opts.jobs is not None else (os.cpu_count() or 1)
    if jobs > 1 and len(todo) >= POOL_MIN_FILES and _fork_ok():
        from lmimigrate.core import pool

        weights = pool.largest_first(todo, candidates)
        for i in todo:  # the workers read the files again: the parent need not hold every file's bytes
            candidates[i] = (candidates[i][0], None)
        checked = [done]

        def arrived(count: int) -> None:  # fed per chunk from the pool, so that a bar moves while it works
            checked[0] += count
            if opts.progress is not None:
                opts.progress(checked[0], total)

        for i, outcome in zip(todo, pool.check(engine, opts, [candidates[i][0] for i in todo], jobs, arrived, weights)):
            if outcome.original is None:
                outcome.original = b""  # only a fixed file's original is used (by --diff), and it came back
            results[i] = outcome
    else:
        for i in todo:
            done += 1
            if opts.progress is not None:
                opts.progress(done, total)
            cand, data = candidates[i]
            data = _data(cand, data, opts)
            if isinstance(data, Skipped):  # it changed since it was read
                results[i] = FileOutcome(cand.display, [tool_finding(UNREADABLE, data.reason, cand.display)])
                continue
            outcome = results[i] = _check_guarded(engine, cand, data, opts)
            if outcome.fixed is None:
                outcome.original = b""  # as from the pool: only a fixed file's original is used (by --diff); a
                # run over many files in one process held every file's bytes to its end
    if cache is not None:
        for i in todo:
            o = results[i]
            if not o.internal_error:  # type: ignore[union-attr]  # (every member has its outcome here)
                text = _text(_data(candidates[i][0], candidates[i][1], opts)) if o.findings else None  # type: ignore[union-attr]
                cache.add(entries[i], o.findings, text)  # type: ignore[union-attr, index, arg-type]
        cache.save()
    return [cache.note] if cache is not None and cache.note else []


def _place_in_files(candidates: list[tuple[Candidate, bytes | None]], results: list[FileOutcome], opts: Options) -> None:
    """Raw-file positions for findings in units that are not the file's text (notebook cells). Done here,
    after the cache and the workers, so neither has to carry them; only files with such findings are read."""
    from lmimigrate import surfaces

    for (cand, data), outcome in zip(candidates, results):
        if not any(f.cell is not None for f in outcome.findings):
            continue
        text = _text(outcome.fixed if outcome.fixed is not None else _data(cand, data, opts))
        if text is not None:
            surfaces.file_positions(cand.surface, text, outcome.findings)  # type: ignore[arg-type]  # (a checked file has a surface)


def _data(cand: Candidate, data: bytes | None, opts: Options) -> bytes | Skipped:
    return read_candidate(cand, opts.max_file_size) if data is None else data


def _text(data: bytes | Skipped | None) -> str | None:
    if data is None or isinstance(data, Skipped):
        return None
    decoded = decode(data, "")
    return None if isinstance(decoded, Finding) else decoded.text


def _fork_ok() -> bool:
    return hasattr(os, "fork")


def _check_guarded(engine: Engine, cand: Candidate, data: bytes, opts: Options) -> FileOutcome:
    try:
        return check_one(engine, cand, data, opts)
    except Exception as exc:  # a bug in a surface: report it on this file and go on (exit 2)
        msg = f"internal error while checking this file: {type(exc).__name__}: {exc}"
        if opts.debug:
            import traceback

            msg += "\n" + traceback.format_exc()
        outcome = FileOutcome(cand.display, [tool_finding(INTERNAL_ERROR, msg, cand.display)], data)
        outcome.internal_error = True
        return outcome


def check_one(engine: Engine, cand: Candidate, data: bytes, opts: Options) -> FileOutcome:
    outcome = FileOutcome(cand.display, original=data)
    decoded = decode(data, cand.display)
    if isinstance(decoded, Finding):
        outcome.findings.append(decoded)
        return outcome
    needed = engine.rules_for(cand.surface, data, cand.display)  # type: ignore[arg-type]  # (a checked file has a surface)
    if not needed:
        return outcome  # the byte-level prefilter: no rule can fire here, so the file is never parsed
    ignored = _per_file_ignored(cand.display, opts.per_file_ignores)
    fixed_codes: list[str] = []
    findings, text, applied, crashed = engine.check_text(cand.display, decoded.text, cand.surface, opts.fix, needed,  # type: ignore[arg-type]
                                                         fixed_codes)
    outcome.internal_error = crashed
    outcome.findings = [f for f in findings if not (ignored and matches(f.code, ignored))]
    if applied:
        new = decoded.encode(text)
        if new != data:
            outcome.fixed = new
            outcome.fixes_applied = applied
            outcome.fixed_codes = fixed_codes
            if opts.write:
                problem = writer.write_atomic(cand.fs_path, data, new, root=cand.root, in_place_links=opts.fix_hard_links)
                if problem:
                    # Nothing changed on disk: report what the file still contains.
                    findings, _, _, _ = engine.check_text(cand.display, decoded.text, cand.surface, None, needed)  # type: ignore[arg-type]
                    outcome.findings = [f for f in findings if not (ignored and matches(f.code, ignored))]
                    outcome.findings.append(tool_finding(WRITE_FAILED, problem, cand.display))
                    outcome.fixed = None
                    outcome.fixes_applied = 0
                    outcome.fixed_codes = []
    return outcome
