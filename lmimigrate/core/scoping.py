"""Version detection over the whole repository, resolved per directory tree.

Which files: detection looks at the whole repository (the git work tree of the paths, else the configuration's
directory), not only the files of this batch, so pre-commit's batches and staged-file runs get the answer a full
`check .` gets. Each file is scanned by `detect_file`, a pure function of its bytes (cacheable by stat key).

Which version applies to a file: the anchors (detections) of the nearest directory, walking up from the file's
own directory to the root, that holds any for that stack. Several versions in that one directory are a conflict,
reported with every location; the oldest is used, as a migration from it covers the newer ones. A file with no
anchor above it takes the repository's version when the whole repository agrees on one, and none otherwise.
"""

from __future__ import annotations

import os
from lmimigrate.core.record import field, record

from lmimigrate.core import detection as detect_mod
from lmimigrate.core.detection import Detection

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from lmimigrate.core.pep440 import Version

    from lmimigrate.core.discovery import View
    from lmimigrate.core.filememo import FileMemo
    from lmimigrate.core.rule import Rule
    from lmimigrate.core.ruleindex import RuleEntry
    from lmimigrate.core.versions import VersionPair

#: Files larger than this are not read for detection (lock files, data): anchors live in small files.
MAX_DETECT_BYTES = 2 * 1024 * 1024


def git_root(path: str) -> str | None:
    """The work tree holding `path`, found by looking (a checked tree's git configuration can run programs)."""
    from lmimigrate.core import gitfiles

    found = gitfiles.work_tree(path if os.path.isdir(path) else (os.path.dirname(path) or "."))
    return found[0] if found else None


def tree_root(paths: list[str], config_root: str | None) -> str | None:
    """The directory whose files decide the versions: the git work tree of the first path, else the directory
    of the configuration file in use, else None (only the given paths are looked at)."""
    first = paths[0] if paths else "."
    return git_root(first) or config_root


def tree_files(root: str, view: View | None = None) -> list[str]:
    """Repository-relative paths of the files detection reads under `root` (git's view when it is a work tree).
    `view`: the run's listings and classifications (discovery's, when it listed the same tree)."""
    from lmimigrate.core.discovery import DEFAULT_EXCLUDES, View

    view = view if view is not None else View()
    rels = view.list_files(root)
    if rels is None:
        rels = []
        for dirpath, dirnames, filenames in os.walk(root):
            if view.deps is not None:
                view.deps.directory(dirpath)
            dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDES)
            rel_dir = os.path.relpath(dirpath, root)
            rels.extend(os.path.normpath(os.path.join(rel_dir, n)) for n in sorted(filenames))
    out = []
    for rel in rels:
        parts = rel.replace(os.sep, "/").split("/")
        if any(p in DEFAULT_EXCLUDES for p in parts[:-1]):
            continue
        if view.surface(rel) or view.pin(rel):  # (a sniffable name too: its first bytes decide)
            out.append(rel)
    return out


def detect_file(fs_path: str, display: str) -> list[Detection]:
    """The anchors of one file, or none when it cannot be read. The single place a per-file cache keyed by
    (fs_path, size, mtime_ns, inode) belongs: the result depends on the bytes and `display` only."""
    try:
        if os.path.islink(fs_path) or os.path.getsize(fs_path) > MAX_DETECT_BYTES:
            return []
        with open(fs_path, "rb") as fh:
            data = fh.read(MAX_DETECT_BYTES + 1)
    except OSError:
        return []
    return detect_mod.detect(display, data)


def _detect_tree_file(fs_path: str, rel: str, memo: FileMemo | None, view: View) -> list[Detection]:
    """`detect_file`, remembered in the run's file memo by stat: a warm pre-commit batch reads no file of the
    rest of the repository. The record has no results entry, so it never stands in for a check."""
    from lmimigrate.core.discovery import SNIFF

    display = _display(fs_path)
    if view.deps is not None:
        view.deps.stat(fs_path, follow=False)  # (a symlink is not read: its own stat is what counts)
    if memo is None:
        return detect_file(fs_path, display)
    try:
        st = os.stat(fs_path)  # before reading: a change made while it is read shows next time
    except OSError:
        return []
    surface = view.surface(rel)
    surface = None if surface == SNIFF else surface  # (the name's surface, as the memo's records have it)
    hit = memo.get(display, surface, st, need_entry=False)
    if hit is not None:
        return hit[1]
    found = detect_file(fs_path, display)
    if all(d.version is not None for d in found):  # a refused spelling is re-read: the memo stores versions
        memo.put(display, surface, st, None, found)
    return found


def _abs(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


@record
class Resolution:
    """The version of one stack that applies to a directory, and how it was found."""

    detection: Detection | None
    directory: str | None  # the (absolute) directory whose anchors decided it; None: repository-wide
    conflict: tuple[Detection, ...] = ()  # every anchor of that directory when they disagree
    ambiguous: tuple[Detection, ...] = ()  # no anchor above, and the repository disagrees: these were left


class Anchors:
    """Detections keyed by the absolute directory of the file they were found in."""

    def __init__(self, found: list[tuple[str, Detection]], root: str | None):
        """`found`: (file system path of the file, detection) pairs; `root`: where the walk up stops."""
        self.root = _abs(root) if root else None
        self.by_dir: dict[str, dict[str, list[Detection]]] = {}
        for fs_path, d in found:
            if d.version is None:
                continue
            self.by_dir.setdefault(os.path.dirname(_abs(fs_path)), {}).setdefault(d.stack, []).append(d)
        self._memo: dict[tuple[str, str], Resolution] = {}
        self._wide: dict[str, Resolution] = {}

    def stacks(self) -> set[str]:
        return {s for per in self.by_dir.values() for s in per}

    def resolve(self, stack: str, fs_path: str) -> Resolution:
        """The anchor that applies to the file at `fs_path` for `stack`."""
        return self.resolve_dir(stack, os.path.dirname(_abs(fs_path)))

    def resolve_dir(self, stack: str, directory: str) -> Resolution:
        """The anchor that applies to the files of `directory` (absolute, normalized) for `stack`."""
        key = (stack, directory)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        d = directory
        while True:
            found = self.by_dir.get(d, {}).get(stack)
            if found:
                res = _pick(found, d)
                break
            parent = os.path.dirname(d)
            if d == self.root or parent == d:
                res = self._repository_wide(stack)
                break
            d = parent
        self._memo[key] = res
        return res

    def _repository_wide(self, stack: str) -> Resolution:
        res = self._wide.get(stack)
        if res is None:
            every = [x for per in self.by_dir.values() for x in per.get(stack, [])]
            if not every:
                res = Resolution(None, None)
            elif len({x.version for x in every}) == 1:
                res = Resolution(min(every, key=_order), None)
            else:
                res = Resolution(None, None, ambiguous=tuple(sorted(every, key=_order)))
            self._wide[stack] = res
        return res


def _order(d: Detection) -> tuple[Version | None, str, int]:
    return (d.version, d.path, d.line)


def _pick(found: list[Detection], directory: str) -> Resolution:
    oldest = min(found, key=_order)
    versions = {x.version for x in found}
    conflict = tuple(sorted(found, key=_order)) if len(versions) > 1 else ()
    return Resolution(oldest, directory, conflict)


# ---- a run's versions ------------------------------------------------------------------------------------


@record
class VersionGroup:
    """Files that share their version pairs; one engine checks them."""

    pairs: dict[str, VersionPair]
    members: list[int] = field(default_factory=list)  # candidate indices
    detected: dict[str, Detection] = field(default_factory=dict)


@record
class RunVersions:
    groups: list[VersionGroup]
    detections: list[Detection]  # every anchor found, refused spellings included
    notes: list[str]  # conflicts, ambiguities and refused spellings, for the user


def _display(fs_path: str) -> str:
    rel = os.path.relpath(fs_path)
    return fs_path if rel.startswith("..") else rel


def _where(d: Detection) -> str:
    return f"{d.path}:{d.line}"


def plan(paths: list[str], given: set[str], cand_paths: list[str], found: list[tuple[str, Detection]],
         scanned: set[str], make_pairs: Callable[[dict[str, Detection]], dict[str, VersionPair]],
         excludes: tuple[str, ...] = (), config_root: str | None = None, memo: FileMemo | None = None,
         view: View | None = None) -> RunVersions:
    """Group the candidates (`cand_paths`, file system paths) by the versions that apply to them.

    `found`: the anchors of the files already read (file system path, detection); `scanned`: their absolute
    paths; the rest of the repository is scanned here, through the run's file memo when there is one (a file
    whose stat is unchanged since the last run is not read again). `given`: stacks whose --from is explicit (no
    detection needed). `make_pairs(detected: dict[stack, Detection]) -> pairs` builds a group's version pairs (it raises
    when a detected version is newer than the target). `view`: the run's listings (discovery's).
    """
    from lmimigrate.core.discovery import DEFAULT_EXCLUDES, View, _excluded

    view = view if view is not None else View()
    root = tree_root(paths, config_root)
    found = list(found)
    if root is not None:
        all_excludes = tuple(excludes) + DEFAULT_EXCLUDES

        def scan(v: View, skip: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, list[Detection]]]:
            out = []
            for rel in tree_files(root, v):
                fs = os.path.join(root, rel)
                if not (v.abspath(fs) in skip or _excluded(rel, all_excludes)):
                    out.append((fs, _detect_tree_file(fs, rel, memo, v)))
            return out

        if memo is not None and view.deps is None:  # a run on named files: the tree memo (treememo.py), of
            from lmimigrate.core import treememo  # the whole tree (the next batch names other files)

            tree = treememo.detections(memo.root, memo.secret, root, all_excludes, scan)
        else:  # (a run on directories records its reads for the run memo, through `view`)
            tree = scan(view, scanned)
        for fs, ds in tree:
            if view.abspath(fs) not in scanned:
                found.extend((fs, d) for d in ds)
    anchors = Anchors(found, root)
    stacks = sorted(anchors.stacks() - given)
    groups: dict[tuple[tuple[str, str], ...], VersionGroup] = {}
    by_dir: dict[str, VersionGroup] = {}  # the files of one directory share their anchors
    notes: list[str] = []
    noted: set[tuple[str, str | None]] = set()
    for i, fs in enumerate(cand_paths):
        directory = view.absdir(fs)
        group = by_dir.get(directory)
        if group is None:
            detected: dict[str, Detection] = {}
            for stack in stacks:
                res = anchors.resolve_dir(stack, directory)
                if res.detection is not None:
                    detected[stack] = res.detection
                _note(res, stack, fs, notes, noted)
            key = tuple(sorted((s, str(d.version)) for s, d in detected.items()))  # the first file's anchor is shown
            group = groups.get(key)
            if group is None:
                group = groups[key] = VersionGroup(make_pairs(detected), detected=detected)
            by_dir[directory] = group
        group.members.append(i)
    if not groups:
        groups[()] = VersionGroup(make_pairs({}))
    refused = [d for _, d in found if d.version is None]
    for d in {(d.stack, d.text): d for d in refused}.values():
        notes.append(f"{_where(d)}: `{d.text}` is not used as the {d.stack} version: {d.refused}")
    return RunVersions(list(groups.values()), [d for _, d in found], notes)


def _note(res: Resolution, stack: str, fs: str, notes: list[str], noted: set[tuple[str, str | None]]) -> None:
    # (a conflict is always resolved to a detection in a directory)
    if res.conflict and res.detection is not None and res.directory is not None and (stack, res.directory) not in noted:
        noted.add((stack, res.directory))
        where = ", ".join(f"{d.version} at {_where(d)}" for d in res.conflict)
        notes.append(f"conflicting {stack} versions in {_display(res.directory) or '.'}/: {where}; using the oldest, "
                     f"{res.detection.version} (give --from {stack}==VERSION to choose)")
    if res.ambiguous and (stack, "ambiguous") not in noted:
        noted.add((stack, "ambiguous"))
        where = ", ".join(f"{d.version} at {_where(d)}" for d in res.ambiguous)
        notes.append(f"no {stack} version applies to {_display(fs)}: no anchor in its directory tree, and the "
                     f"repository has several ({where}); give --from {stack}==VERSION")


def skipped_checks(rules: Sequence[type[Rule] | RuleEntry],
                   all_pairs: list[dict[str, VersionPair]]) -> dict[str, list[str]]:
    """Default-change rules that would run with a known --from, per stack whose --from is unknown somewhere."""
    from lmimigrate.core.pep440 import Version

    from lmimigrate.core.ruleindex import window_active
    from lmimigrate.core.versions import VersionPair

    out: dict[str, set[str]] = {}
    for pairs in all_pairs:
        for r in rules:
            pair = pairs.get(r.stack)
            if r.trigger != "default" or pair is None or pair.from_ is not None or r.changed_in is None:
                continue
            known = VersionPair(pair.stack, Version("0"), pair.to)
            if window_active(r.stack, r.trigger, r.changed_in, r.removed_in, r.until, {**pairs, r.stack: known}):
                out.setdefault(r.stack, set()).add(r.code)
    return {stack: sorted(codes) for stack, codes in sorted(out.items())}
