"""Commands that hand text or arguments to another program, in shell scripts and Dockerfiles:

- `bash -c 'BODY'`, `sh -ec "BODY"` (also behind wrappers, `docker exec C sh -c ...`): BODY is a shell script;
- here-documents: `cat > serving.properties <<EOF` (or `tee FILE`) makes the body that file's surface; a body
  fed to a shell (`bash <<EOF`, `docker exec -i C sh <<'EOF'`, a Dockerfile `RUN <<EOF`) is a shell script;
- `docker run [options] IMAGE [ARGS]` (podman, nerdctl): ARGS are the image's command; with an image named
  `*vllm*` or flags that only vLLM has they are vLLM server flags (`shell.launch.vllm_args_scope`);
  `--entrypoint X` makes X the command.
Bodies become embedded units (`lmimigrate.surfaces.embed`), read by their own surface and fixed through the
quoting of the host; a body whose quoting the host cannot re-spell (ANSI-C `$'...'`, glued quotes) is not read.
"""

from __future__ import annotations

import os
import re
from lmimigrate.core.record import replace
from collections.abc import Callable

from lmimigrate.core.ftypes import ParsedFile, ParseError, Scope, Unit
from lmimigrate.surfaces.embed import embed
from lmimigrate.surfaces.shell.carriers import Carried, heredoc_body
from lmimigrate.surfaces.shell.launch import _base, _skip_wrappers, vllm_args_scope, vllm_scope
from lmimigrate.surfaces.shell.lexer import Command, Word
from lmimigrate.surfaces.shell.words import WordSyntax
from lmimigrate.core.patterns import lazy_pattern

Decoder = Callable[[str, Word], "Carried | None"]

# What a shell script must contain to hold a setting: an assignment, a vLLM or Python launch, a nested carrier.
_HINT = lazy_pattern(r"=|vllm|python|<<|docker|podman", re.IGNORECASE)

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "busybox"})
_C_OPTION = lazy_pattern(r"-[a-zA-Z]*c[a-zA-Z]*")
_CONTAINER_TOOLS = frozenset({"docker", "podman", "nerdctl"})
# `docker run` / `docker exec` options that take a value as the next word (the rest are switches).
_DOCKER_VALUE_OPTS = frozenset("""
-a --attach --add-host --blkio-weight --cap-add --cap-drop --cgroup-parent --cgroupns --cidfile --cpu-period
--cpu-quota --cpu-shares -c --cpus --cpuset-cpus --cpuset-mems --device --device-cgroup-rule --dns --dns-option
--dns-search --domainname -e --env --env-file --expose --gpus --group-add --health-cmd --health-interval
--health-retries --health-start-period --health-timeout -h --hostname --ip --ip6 --ipc --isolation --kernel-memory
-l --label --label-file --link --log-driver --log-opt --mac-address -m --memory --memory-reservation --memory-swap
--memory-swappiness --mount --name --network --net --network-alias --oom-score-adj --pid --pids-limit --platform
-p --publish --pull --restart --runtime --security-opt --shm-size --stop-signal --stop-timeout --storage-opt
--sysctl --tmpfs --ulimit -u --user --userns --uts -v --volume --volume-driver --volumes-from -w --workdir
--detach-keys --annotation --hooks-dir --pod --secret --arch --os --variant
""".split())


class Nest:
    """What a host collects while reading commands: the embedded units (kept in order) and their labels."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.units: list[Unit] = []

    def add(self, carried: Carried | None, surface: str, label: str, name: str = "") -> None:
        if carried is None or not carried.text.strip():
            return
        if surface == "shell" and not _HINT.search(carried.text):
            return  # a script with no assignment and no vLLM/Python launch holds nothing any rule reads
        self.units += embed(self.unit, carried.span, carried.text, surface, encode=carried.encode(self.unit.text),
                            to_host=carried.to_host, opaque=carried.opaque, label=label, name=name)


def shell_c_body(words: list[Word], start: int = 0) -> Word | None:
    """The script word of `bash -c SCRIPT` / `sh -ec SCRIPT` at words[start:] (behind wrappers), else None."""
    i = start + _skip_wrappers(words[start:])
    n = len(words)
    if i >= n or _base(words[i]) not in SHELLS:
        return None
    j = i + 1
    if _base(words[i]) == "busybox":
        if j >= n or words[j].value not in SHELLS:
            return None
        j += 1
    while j < n and words[j].literal and words[j].value.startswith(("-", "+")) and words[j].value not in ("-", "--"):
        if _C_OPTION.fullmatch(words[j].value):
            return words[j + 1] if j + 1 < n else None
        j += 2 if words[j].value in ("-o", "+o", "-O", "+O") else 1
    return None


def _reads_stdin_script(words: list[Word]) -> bool:
    """`bash`, `sh -s`, `sudo bash -ex`, `docker exec -i C sh`: a shell that reads its script from stdin."""
    i = _skip_wrappers(words)
    inner = _container_command(words, i)
    if inner is not None:
        return _reads_stdin_script(words[inner[0] :])
    n = len(words)
    if i >= n or _base(words[i]) not in SHELLS:
        return False
    return all(w.literal and w.value.startswith(("-", "+")) and not _C_OPTION.fullmatch(w.value) for w in words[i + 1 :])


def _container_command(words: list[Word], i: int) -> tuple[int, str, Word | None] | None:
    """For `docker run|exec [options] IMAGE|CONTAINER [CMD...]`: (index of CMD, image, image word), with
    `--entrypoint X` put back in front of CMD by the caller (index points at the entrypoint's value word)."""
    n = len(words)
    if i + 1 >= n or _base(words[i]) not in _CONTAINER_TOOLS:
        return None
    k = i + 1
    if words[k].value == "container" and k + 1 < n:
        k += 1
    action = words[k].value
    if action not in ("run", "exec"):
        return None
    k += 1
    entry: int | None = None
    while k < n and words[k].value.startswith("-") and words[k].value != "-":
        v = words[k].value
        if v in ("--entrypoint",) and k + 1 < n:
            entry = k + 1
        if v.startswith("--entrypoint="):
            return None  # an attached entrypoint value is not a word of its own
        k += 2 if v in _DOCKER_VALUE_OPTS else 1
    if k >= n:
        return None
    image = words[k]
    if action == "exec":
        return k + 1, "", None
    if entry is not None:
        return entry, "", None  # the caller reads words[entry] + words[k+1:] as the command
    return k + 1, image.value if image.literal else "", image


def command_scopes_nested(unit: Unit, words: list[Word], syntax: WordSyntax, where: str, nest: Nest,
                          decode: Decoder) -> list[Scope]:
    """The vLLM scopes of one command's words, and the embedded units of what it hands on (into `nest`)."""
    body = shell_c_body(words)
    if body is not None:
        nest.add(decode(unit.text, body), "shell", f"`sh -c` script ({where})")
        return []
    i = _skip_wrappers(words)
    found = _container_command(words, i)
    if found is None:
        scope = vllm_scope(unit, words, syntax)
        return [scope] if scope is not None else []
    k, image, image_word = found
    if image_word is None and k < len(words) and words[k - 1].value == "--entrypoint":
        rest = _after_image(words, k)
        inner = [words[k]] + rest
    else:
        inner = words[k:]
    if not inner:
        return []
    body = shell_c_body(inner)
    if body is not None:
        nest.add(decode(unit.text, body), "shell", f"`sh -c` script ({where})")
        return []
    scope = vllm_args_scope(unit, inner, syntax, image=image, after=image_word)
    return [scope] if scope is not None else []


def _after_image(words: list[Word], entry: int) -> list[Word]:
    """The command words after the image of a `docker run` whose `--entrypoint` value is words[entry]."""
    k = entry + 1
    n = len(words)
    while k < n and words[k].value.startswith("-") and words[k].value != "-":
        k += 2 if words[k].value in _DOCKER_VALUE_OPTS else 1
    return words[k + 1 :]


def heredoc_units(unit: Unit, c: Command, where: str, nest: Nest, implicit_shell: bool = False) -> None:
    """Embed the bodies of a command's here-documents: a file it writes (`cat > F <<EOF`, `tee F <<EOF`) is
    read as F's surface; a shell reading stdin, or no command at all in a Dockerfile `RUN <<EOF`
    (`implicit_shell`), reads a shell script."""
    if not c.heredocs:
        return
    from lmimigrate import surfaces

    target = c.output_file()
    i = _skip_wrappers(c.words)
    if target is None and i < len(c.words) and _base(c.words[i]) == "tee":
        target = next((w for w in c.words[i + 1 :] if not w.value.startswith("-")), None)
    if target is not None:
        name = os.path.basename(target.value)
        surface = surfaces.classify(name) if "$" not in name else None
        if surface is None or len(c.heredocs) != 1:
            return
        nest.add(heredoc_body(unit.text, c.heredocs[0]), surface, f"here-document for {name} ({where})", name)
    elif implicit_shell and not c.words:
        # A Dockerfile `RUN <<EOF`: the body is the script itself, its expansions the script's own.
        for h in c.heredocs:
            nest.add(heredoc_body(unit.text, replace(h, quoted=True)), "shell", f"here-document script ({where})")
    elif c.words and _reads_stdin_script(c.words):
        for h in c.heredocs:
            nest.add(heredoc_body(unit.text, h), "shell", f"here-document script ({where})")


def read_hosting(unit: Unit, nest: Nest, reader: Callable[[Unit, Nest], None]) -> None:
    """Run a host surface's reader (shell script, Dockerfile); a too-deep input is a parse error, not a crash."""
    try:
        reader(unit, nest)
    except RecursionError as e:
        raise ParseError("input too deeply nested") from e


def parse_hosting(path: str, text: str, surface: str, reader: Callable[[Unit, Nest], None]) -> ParsedFile:
    """The host's unit, then the units embedded in it (`sh -c` bodies, here-documents)."""
    from lmimigrate.surfaces import detect_newline

    unit = Unit(text=text, surface=surface, newline=detect_newline(text))
    nest = Nest(unit)
    read_hosting(unit, nest, reader)
    return ParsedFile(path=path, units=[unit, *nest.units])
