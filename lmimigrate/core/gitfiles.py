"""The files of a git work tree, found without running git.

`git ls-files` honours the checked tree's configuration, and that configuration can run programs
(`core.fsmonitor`, filters, hooks): a repository from a pull request, an unpacked artifact or a shared volume
must not run anything. So this module reads what `git ls-files --cached --others --exclude-standard` would
list, by itself:

- `.gitignore` files of every directory (from the work tree's root down), `$GIT_DIR/info/exclude` and
  `core.excludesFile` (repository config, then `~/.gitconfig` / `$XDG_CONFIG_HOME/git/config`, defaulting to
  `$XDG_CONFIG_HOME/git/ignore`), matched with `pathspec`'s gitignore semantics (the library black uses; core/ignorefile.py);
- tracked files (from `$GIT_DIR/index`, versions 2 to 4) are listed even when ignored, like `--cached`;
- a `.gitignore` that is a symlink is not read (as git >= 2.32); nothing that is not a regular file is
  opened, and reads never block (FIFOs, devices); nested repositories are not entered.

The walk is iterative: a tree thousands of levels deep does not exhaust the stack.
"""

from __future__ import annotations

import os
import stat
import struct

from lmimigrate.core.ignorefile import IgnoreRules, compile_lines

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from lmimigrate.core.runmemo import Deps

MAX_IGNORE_FILE = 1 << 20
MAX_INDEX = 1 << 28
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def read_regular(path: str, limit: int, follow: bool = True, deps: Deps | None = None) -> bytes | None:
    """The bytes of a regular file (at most `limit`), or None; never blocks on a FIFO or opens a device.
    `deps` (a run memo's record) gets the stat, or the file's absence."""
    try:
        st = os.stat(path, follow_symlinks=follow)
    except OSError:
        st = None
    if deps is not None:
        deps.file(path, st, follow)
    try:
        if st is None or not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        fd = os.open(path, _READ_FLAGS | (0 if follow else os.O_NOFOLLOW))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)[:limit]
    except OSError:
        return None
    finally:
        os.close(fd)


def work_tree(directory: str, deps: Deps | None = None) -> tuple[str, str] | None:
    """(work tree root, git dir) of the repository holding `directory`, or None."""
    d = os.path.abspath(directory)
    while True:
        dot = os.path.join(d, ".git")
        try:
            kind = stat.S_IFMT(os.lstat(dot).st_mode)
        except OSError:
            kind = 0
        if deps is not None:
            deps.kinds[dot] = kind
            if kind == stat.S_IFLNK:
                deps.refuse()  # its target can change while the link stays the same
        if kind == stat.S_IFDIR:
            return d, dot
        if kind and os.path.isfile(dot):  # a worktree or submodule: "gitdir: <path>"
            text = read_regular(dot, 4096, deps=deps) or b""
            line = text.decode("utf-8", "replace").strip()
            if line.startswith("gitdir:"):
                gd = line[len("gitdir:"):].strip()
                return d, os.path.normpath(os.path.join(d, gd))
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _config_value(path: str, section: str, key: str, deps: Deps | None = None) -> str | None:
    """The last `key` of `[section]` in a git config file (a reader for plain values, no includes)."""
    data = read_regular(path, MAX_IGNORE_FILE, deps=deps)
    if data is None:
        return None
    value, current = None, ""
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("["):
            current = line[1:line.find("]")].strip().split()[0].lower() if "]" in line else ""
        elif current == section and "=" in line:
            k, v = line.split("=", 1)
            if k.strip().lower() == key:
                v = v.strip()
                if len(v) >= 2 and v[0] == v[-1] == '"':
                    v = v[1:-1]
                value = v
    return value


def _excludes_file(git_dir: str, deps: Deps | None = None) -> str:
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    value = None
    for cfg in (os.path.join(xdg, "git", "config"), os.path.expanduser("~/.gitconfig"), os.path.join(git_dir, "config")):
        value = _config_value(cfg, "core", "excludesfile", deps) or value
    return os.path.expanduser(value) if value else os.path.join(xdg, "git", "ignore")


def _common_dir(git_dir: str, deps: Deps | None = None) -> str:
    text = read_regular(os.path.join(git_dir, "commondir"), 4096, deps=deps)
    if text:
        return os.path.normpath(os.path.join(git_dir, text.decode("utf-8", "replace").strip()))
    return git_dir


def _spec(data: bytes | None) -> IgnoreRules | None:
    if not data:
        return None
    return compile_lines(data.decode("utf-8", "replace").splitlines())


def tracked(git_dir: str, deps: Deps | None = None) -> set[str]:
    """Paths (relative to the work tree, '/'-separated) of the regular files and symlinks in the index.
    `deps` gets the index's stat and these paths (git rewrites the index for other reasons: `git status`)."""
    path = os.path.join(git_dir, "index")
    try:
        st = os.stat(path) if deps is not None else None
    except OSError:
        st = None
    out = _index_paths(read_regular(path, MAX_INDEX) or b"")
    if deps is not None:
        deps.tracked(git_dir, st, out)
    return out


def _index_paths(data: bytes) -> set[str]:
    if len(data) < 12 or data[:4] != b"DIRC":
        return set()
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3, 4):
        return set()
    out: set[str] = set()
    pos, prev = 12, b""
    try:
        for _ in range(count):
            mode = struct.unpack(">I", data[pos + 24 : pos + 28])[0]
            flags = struct.unpack(">H", data[pos + 60 : pos + 62])[0]
            name_at = pos + 62 + (2 if version >= 3 and flags & 0x4000 else 0)
            if version == 4:
                p = name_at
                c = data[p]
                p += 1
                strip = c & 0x7F
                while c & 0x80:
                    c = data[p]
                    p += 1
                    strip = ((strip + 1) << 7) | (c & 0x7F)
                end = data.index(b"\0", p)
                name = prev[: len(prev) - strip] + data[p:end]
                pos = end + 1
            else:
                end = data.index(b"\0", name_at)
                name = data[name_at:end]
                pos += (end - pos + 8) & ~7
            prev = name
            if (mode >> 12) in (0o10, 0o12):  # regular file or symlink (0o16: a submodule)
                out.add(os.fsdecode(name))
    except (IndexError, ValueError, struct.error):
        pass
    return out


def list_files(directory: str, deps: Deps | None = None, skip: frozenset[str] = frozenset()) -> list[str] | None:
    """Files under `directory` (relative to it, sorted) as `git ls-files -co --exclude-standard` lists them,
    or None when `directory` is not inside a git work tree. Directories named in `skip` are not entered (their
    untracked files are not listed: the caller drops them anyway); `deps` records what the listing read."""
    found = work_tree(directory, deps)
    if found is None:
        return None
    root, git_dir = found
    common = _common_dir(git_dir, deps)
    base = os.path.relpath(os.path.abspath(directory), root).replace(os.sep, "/")
    base = "" if base == "." else base + "/"
    # (directory relative to the root, spec), lowest precedence first: a later match wins.
    specs: list[tuple[str, IgnoreRules]] = []
    for data in (read_regular(_excludes_file(common, deps), MAX_IGNORE_FILE, deps=deps),
                 read_regular(os.path.join(common, "info", "exclude"), MAX_IGNORE_FILE, deps=deps)):
        s = _spec(data)
        if s is not None:
            specs.append(("", s))
    parts = [p for p in base.split("/") if p]
    for i in range(len(parts)):  # the .gitignore files above `directory`, inside the work tree
        rel = "/".join(parts[:i])
        s = _spec(read_regular(os.path.join(root, rel, ".gitignore"), MAX_IGNORE_FILE, follow=False, deps=deps))
        if s is not None:
            specs.append((rel + "/" if rel else "", s))
    index = {p for p in tracked(common if git_dir == common else git_dir, deps) if p.startswith(base)}
    present: set[str] = set()  # tracked paths the walk saw (the others are looked for one by one)
    out = []
    stack: list[tuple[str, list[tuple[str, IgnoreRules]]]] = [(base, specs)]
    while stack:
        rel_dir, dir_specs = stack.pop()
        abs_dir = os.path.join(root, rel_dir)
        try:
            st = os.stat(abs_dir) if deps is not None else None
            entries = list(os.scandir(abs_dir))
        except OSError:
            if deps is not None:
                deps.refuse()
            continue
        names = {e.name for e in entries}  # (one listing answers what was an lstat and a stat per directory)
        if rel_dir != base and ".git" in names:  # a nested repository is its own tree, until its `.git` goes
            if deps is not None:
                deps.kind(os.path.join(abs_dir, ".git"))
            continue
        if deps is not None:
            deps.listed(abs_dir, st, entries)  # (its digest shows a `.git` or `.gitignore` created later)
        if ".gitignore" in names:
            s = _spec(read_regular(os.path.join(abs_dir, ".gitignore"), MAX_IGNORE_FILE, follow=False, deps=deps))
            if s is not None:
                dir_specs = dir_specs + [(rel_dir, s)]
        for e in entries:
            if e.name == ".git":
                continue
            rel = rel_dir + e.name
            if rel in index:
                present.add(rel)
            try:
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir and e.name in skip:
                continue
            if _ignored(rel + "/" if is_dir else rel, dir_specs):
                continue
            if is_dir:
                stack.append((rel + "/", dir_specs))
            elif rel not in index:
                out.append(rel[len(base):])
    for p in index:
        path = os.path.join(root, p)
        if p in present or os.path.lexists(path):  # (in an ignored or nested directory, or deleted)
            out.append(p[len(base):])
        elif deps is not None:
            deps.kinds[path] = 0  # deleted from the work tree: listed again when it comes back
    return sorted(out)


def _ignored(rel: str, specs: list[tuple[str, IgnoreRules]]) -> bool:
    for prefix, spec in reversed(specs):
        if prefix and not rel.startswith(prefix):
            continue
        include = spec.include(rel[len(prefix):])
        if include is not None:
            return include
    return False
