"""The configuration file: `.lmimigrate.toml` or `lmimigrate.toml` (keys at top level), or `[tool.lmimigrate]`
in pyproject.toml. The command line wins over the file; `--extend-*` options add to it (as in ruff)."""

from __future__ import annotations

import os
import sys
from lmimigrate.core.record import field, record

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from types import ModuleType

KNOWN_KEYS = {"from", "to", "select", "extend-select", "ignore", "extend-ignore", "exclude", "extend-exclude",
              "force-exclude", "fail-on", "per-file-ignores", "max-file-size"}
#: Looked for in each directory from the checked path up, in this order (ruff's: dedicated files first).
CONFIG_NAMES = (".lmimigrate.toml", "lmimigrate.toml", "pyproject.toml")
FAIL_ON = ("info", "warning", "error")
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


class ConfigError(ValueError):
    pass


@record
class FileConfig:
    path: str | None = None
    from_: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    force_exclude: bool = False
    fail_on: str | None = None
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


def _tomllib() -> ModuleType:
    """The TOML parser, imported only when a configuration file is read (start-up time matters)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def _has_table(pyproject: str) -> bool:
    """Does this pyproject.toml configure lmimigrate? (A nested package's pyproject.toml without the table
    must not hide the repository's configuration.) An unreadable or invalid file counts as configuring it,
    so that the error is reported rather than the file silently skipped."""
    try:
        with open(pyproject, "rb") as fh:
            data = fh.read()
    except OSError:
        return True
    if b"lmimigrate" not in data:
        return False  # another tool's pyproject.toml: not worth the TOML parser's start-up
    tomllib = _tomllib()
    try:
        return "lmimigrate" in tomllib.loads(data.decode("utf-8")).get("tool", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True


def find(start: str, any_pyproject: bool = False) -> str | None:
    """The nearest configuration file from `start` up to the repository's root (the directory that holds
    `.git`, as black stops there): `.lmimigrate.toml`, `lmimigrate.toml`, or a pyproject.toml that has a
    [tool.lmimigrate] table (`any_pyproject`: with or without it, for a place to record the migration
    baseline). A checked-out repository is configured by its own files, not by a directory it sits in."""
    d = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(d, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or any_pyproject or _has_table(candidate)):
                return candidate
        if os.path.lexists(os.path.join(d, ".git")):
            return None
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _strings(value: object, key: str, path: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{path}: [tool.lmimigrate] {key} must be a string or a list of strings")


def load(path: str | None) -> FileConfig:
    if path is None:
        return FileConfig()
    import stat

    try:
        # O_NONBLOCK, then fstat: a FIFO or a device is refused, never read (a FIFO would block forever).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{path}: not a regular file")
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    tomllib = _tomllib()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    table = data.get("tool", {}).get("lmimigrate")
    if table is None:
        if os.path.basename(path) != "pyproject.toml":
            table = data  # a dedicated lmimigrate.toml may hold the keys at top level
        else:
            return FileConfig(path=path)
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown [tool.lmimigrate] key(s): {', '.join(sorted(unknown))}")
    cfg = FileConfig(path=path)
    cfg.from_ = _strings(table.get("from", []), "from", path)
    cfg.to = _strings(table.get("to", []), "to", path)
    cfg.select = _strings(table.get("select", []), "select", path)
    cfg.ignore = _strings(table.get("ignore", []), "ignore", path)
    cfg.exclude = _strings(table.get("exclude", []), "exclude", path)
    cfg.extend_select = _strings(table.get("extend-select", []), "extend-select", path)
    # ruff's extend-ignore is deprecated there in favour of ignore; here both simply add up.
    cfg.ignore += _strings(table.get("extend-ignore", []), "extend-ignore", path)
    cfg.extend_exclude = _strings(table.get("extend-exclude", []), "extend-exclude", path)
    force = table.get("force-exclude", False)
    if not isinstance(force, bool):
        raise ConfigError(f"{path}: [tool.lmimigrate] force-exclude must be true or false")
    cfg.force_exclude = force
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise ConfigError(f"{path}: [tool.lmimigrate] fail-on must be one of {', '.join(FAIL_ON)}")
    cfg.fail_on = fail_on
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{path}: [tool.lmimigrate] per-file-ignores must be a table of glob = [codes]")
    cfg.per_file_ignores = {k: _strings(v, f"per-file-ignores.{k}", path) for k, v in pfi.items()}
    size = table.get("max-file-size", DEFAULT_MAX_FILE_SIZE)
    if not isinstance(size, int) or size <= 0:
        raise ConfigError(f"{path}: [tool.lmimigrate] max-file-size must be a positive integer (bytes)")
    cfg.max_file_size = size
    return cfg
