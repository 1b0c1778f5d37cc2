"""The keys of a run's caches: what, besides the files' bytes, decides a file's findings (the result cache,
core/cache.py) and a whole run's report (the run memo, core/runmemo.py)."""

from __future__ import annotations

import os
import sys

from lmimigrate.core.ruleindex import LazyRule

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from lmimigrate.core.api import Options
    from lmimigrate.core.rule import Rule
    from lmimigrate.core.ruleindex import RuleEntry
    from lmimigrate.core.versions import VersionPair


def results_key(opts: Options, active: list[Rule | LazyRule], pairs: dict[str, VersionPair],
                code_stats: dict[str, dict[str, str]] | None = None) -> list[str]:
    """What, besides a file's bytes, decides its findings: rules, versions, configuration, and the code.
    `code_stats`: each code directory's module stats, kept for the run's other version groups."""
    parts = [",".join(r.code for r in active)]
    parts += [f"{p.stack}:{p.from_}:{p.to}:{p.from_source is not None}" for p in pairs.values()]
    parts.append(repr(sorted(opts.per_file_ignores.items())))
    parts.append(str(opts.max_file_size))
    # An edited rule or surface (a development checkout, a plugin upgrade) must not reuse old verdicts.
    files = {r.entry.file if isinstance(r, LazyRule) else getattr(sys.modules.get(type(r).__module__), "__file__", None)
             for r in active}
    files |= {getattr(sys.modules.get(name), "__file__", None) for name in ("lmimigrate.core.engine", "lmimigrate.surfaces")}
    stats = code_stats if code_stats is not None else {}
    for f in sorted(filter(None, files)):
        d = os.path.dirname(f)
        if d not in stats:
            stats[d] = _module_stats(d)
        for path in sorted({f, *stats[d]}):
            value = stats[d].get(path) or _stat(path)
            if value:
                parts.append(f"{path}:{value}")
    return parts


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_mtime_ns}:{st.st_size}"


def _module_stats(d: str) -> dict[str, str]:
    out = {}
    for path in (os.path.join(d, n) for n in os.listdir(d) if n.endswith(".py")):
        value = _stat(path)
        if value:
            out[path] = value
    return out


def options_key(opts: Options) -> list[str]:
    """What, besides the files and the code, decides a run's report: the options (the configuration included,
    as the CLI folds it into them), the current directory (display paths), and where git's global
    configuration is looked for."""
    import json

    rules = [f"{r.code}={r.__module__}:{r.__qualname__}" if isinstance(r, type) else f"{r.code}={r.module}:{r.attr}:{r.plugin}"
             for r in opts.rules]
    return [os.getcwd(), os.environ.get("HOME", ""), os.environ.get("XDG_CONFIG_HOME", ""), json.dumps([
        opts.paths, sorted((k, str(v)) for k, v in opts.from_.items()), sorted((k, str(v)) for k, v in opts.to.items()),
        rules, list(opts.excludes), sorted(opts.per_file_ignores.items()), opts.max_file_size, opts.debug,
        opts.config_root, [[p.plugin, p.message] for p in opts.plugin_problems]])]


def rule_files(rules: list[type[Rule] | RuleEntry]) -> list[str]:
    """The module files of the selected rules (the run memo watches them and their packages)."""
    files = [getattr(sys.modules.get(r.__module__), "__file__", None) if isinstance(r, type) else r.file for r in rules]
    return sorted({f for f in files if f})
