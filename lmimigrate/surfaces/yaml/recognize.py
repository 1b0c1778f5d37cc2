"""Which YAML collections hold settings: per document, a vLLM `--config` file, LMI option maps, env lists and
maps of containers and compose services, and their command lines."""

from __future__ import annotations

from lmimigrate.core.ftypes import ParsedFile, ParseError, Scope, Unit
from lmimigrate.surfaces.knowledge import config_flag_names
from lmimigrate.surfaces.yaml.carriers import carriers, embed_scalar
from lmimigrate.surfaces.yaml.commands import EXTRA_ARGS_KEYS, compose_cli_scopes, container_cli_scopes
from lmimigrate.surfaces.yaml.scope import (
    ENV_NAME,
    YamlScope,
    compose_list_scope,
    env_list_scope,
    env_map_scope,
    typed_map_scope,
)
from lmimigrate.surfaces.yaml.tree import YNode, compose_span, document_spans, is_scalar, owner_key, walk
from lmimigrate.core.patterns import lazy_pattern
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

# `Environment`: CloudFormation AWS::SageMaker::Model and SageMaker operator specs in YAML.
ENV_KEYS = frozenset({"env", "environment", "extraEnv", "envVars", "envs", "Environment"})
_UPPER_NAME = lazy_pattern(r"[A-Z_][A-Z0-9_]*")

#: Flag names that unrelated YAML configs use just as often; they never identify a vLLM config on their own.
_GENERIC_KEYS = frozenset(
    """model task host port seed dtype revision tokenizer device runner api_key block_size download_dir
    load_format served_model_name config trust_remote_code tokenizer_mode quantization""".split()
)


def _is_vllm_config(root: YNode, path: str) -> bool:
    keys = root.keys()
    if not keys or {"apiVersion", "kind", "services"} & set(keys):
        return False
    flags = config_flag_names()
    names = [k.lstrip("-").replace("-", "_") for k in keys]
    known = sum(1 for n in names if n in flags)
    # Words like `model` or `task` are in every ML config; only vLLM-specific keys identify a vLLM config.
    distinctive = sum(1 for n in names if n in flags and n not in _GENERIC_KEYS)
    need = 1 if "vllm" in path.lower() else 2
    return distinctive >= need and known * 2 > len(keys)


def _is_option_map(node: YNode) -> bool:
    keys = node.keys()
    options = sum(1 for k in keys if k.startswith("option.") or k == "engine")
    return any(k.startswith("option.") for k in keys) and options * 2 > len(node.pairs)


def _container_label(parent: YNode | None, what: str) -> str:
    name = parent.get("name") if parent is not None and parent.kind == "map" else None
    return f"container {name.value} {what}" if is_scalar(name) else what


def _owner_facts(owner: YNode, service: str | None) -> dict[str, Any]:
    """What the settings belong to: the container or service name and its image (rules read its version)."""
    facts: dict[str, Any] = {}
    for key in ("name", "image"):
        node = owner.get(key) if owner.kind == "map" else None
        if is_scalar(node) and node.tag is None:
            facts["container" if key == "name" else key] = node.value
    if service is not None:
        facts.pop("container", None)
        facts["service"] = service
    return facts


def _document_scopes(unit: Unit, root: YNode, path: str, doc: tuple[int, int]) -> tuple[list[Scope], list[Unit]]:
    """The document's scopes, and the units embedded in its container and service scripts."""
    scopes: list[Scope] = []
    units: list[Unit] = []
    if root.kind == "map" and _is_vllm_config(root, path):
        scope = typed_map_scope(unit, root, "vllm-config", "vLLM config", "vllm", "vllm")
        scope.root = True
        return ([scope] if scope.settings else []), []
    services = root.get("services") if root.kind == "map" else None
    compose_services: dict[int, str] = {}
    if services is not None and services.kind == "map":
        compose_services = {id(v): k.value for k, v in services.pairs if v.kind == "map"}
    for node, parent, key in walk(root):
        if node.kind != "map":
            continue
        if _is_option_map(node):
            scope = typed_map_scope(unit, node, "lmi-map", key or "LMI options", "lmi", "lmi")
            scope.owner, scope.root = owner_key(parent, node), parent is None
            scopes.append(scope)
            continue
        service = compose_services.get(id(node))
        for k, v in node.pairs:
            if not is_scalar(k) or k.value not in ENV_KEYS:
                continue
            env_scope: YamlScope | None = None
            if service is not None and k.value == "environment":
                label = f"service {service} environment"
                if v.kind == "map":
                    env_scope = env_map_scope(unit, v, label, ENV_NAME)
                elif v.kind == "seq":
                    env_scope = compose_list_scope(unit, v, label)
            elif v.kind == "seq":
                label = _container_label(node, k.value)
                env_scope = env_list_scope(unit, v, label) or compose_list_scope(unit, v, label)
            elif v.kind == "map":
                env_scope = env_map_scope(unit, v, _container_label(node, k.value), _UPPER_NAME)
            if env_scope is not None:
                env_scope.owner = k
                env_scope.facts.update(_owner_facts(node, service))
                scopes.append(env_scope)
        cli: list[Scope] = []
        scripts: list[YNode] = []
        label = _container_label(node, "").strip() or "container"
        if service is not None:
            label = f"service {service}"
            cli = compose_cli_scopes(unit, node, service, scripts)
        elif any(node.get(k) is not None for k in ("command", "args", *EXTRA_ARGS_KEYS)):
            cli = container_cli_scopes(unit, node, label, key, scripts)
        for script in scripts:
            embedded = embed_scalar(unit, script, doc, "shell", f"{label} script", "script.sh")
            cli.extend(scope for u in embedded for scope in u.scopes)
            units.extend(embedded)
        for cli_scope in cli:
            cli_scope.facts.update(_owner_facts(node, service))
        scopes.extend(c for c in cli if c.unit is unit)
    scopes.sort(key=lambda s: s.span[0])
    return scopes, units


def _markers(text: str, start: int, end: int) -> list[int]:
    """Offsets of Helm/Jinja markup (`{{`, `{%`; GitHub's `${{` excepted) in text[start:end], in order.
    str.find, not a regex: a look-behind makes the regex engine step through every byte (2 s on 25 MB)."""
    found: list[int] = []
    for marker in ("{{", "{%"):
        i = text.find(marker, start, end)
        while i >= 0:
            if marker == "{%" or i == 0 or text[i - 1] != "$":
                found.append(i)
            i = text.find(marker, i + 2, end)
    return sorted(found)


def _template_error(text: str, start: int, end: int) -> ParseError | None:
    """Helm/Jinja markup makes a document a template: its settings are only known after rendering, and a
    rewrite could break the template, so it is reported as skipped and never rewritten."""
    found = _markers(text, start, end)
    if not found:
        return None
    err = ParseError("templated YAML ({{ }}) is not parsed; skipped", offset=found[0])
    err.template = True
    return err


def _markers_are_data(text: str, start: int, end: int, docs: list[YNode]) -> bool:
    """Every `{{`/`{%` of the document lies inside a block scalar (a Jinja chat template in a ConfigMap):
    text the YAML carries, not markup rendered before the YAML is read."""
    blocks = [(n.token, n.end) for root in docs for n, _, _ in walk(root) if n.kind == "scalar" and n.style in ("|", ">")]
    return all(any(a < m < b for a, b in blocks) for m in _markers(text, start, end))


def _read(unit: Unit, parsed: ParsedFile, path: str) -> int:
    """Fill `unit.scopes` document by document, the embedded units and skipped documents into `parsed`;
    returns the number of documents."""
    text = unit.text
    spans = document_spans(text)
    for start, end in spans:
        template = _template_error(text, start, end)
        try:
            docs = compose_span(text, start, end)
        except ParseError as err:
            if err.offset is not None and start:
                err.offset += start
            parsed.errors.append(template or err)
            continue
        if template is not None and not _markers_are_data(text, start, end, docs):
            parsed.errors.append(template)
            continue
        for root in docs:
            scopes, embedded = _document_scopes(unit, root, path, (start, end))
            unit.scopes.extend(scopes)
            parsed.units.extend(embedded)
            parsed.units.extend(carriers(unit, root, (start, end)))
    return len(spans)


def parse(unit: Unit, path: str = "") -> None:
    """A YAML unit that cannot host others (a notebook `%%writefile x.yaml` cell): any skipped document raises,
    since the cell has nowhere to report it; text embedded in its scalars is not read."""
    scratch = ParsedFile(path=path, units=[unit])
    _read(unit, scratch, path)
    if scratch.errors:
        unit.scopes.clear()
        raise scratch.errors[0]


def parse_file(path: str, text: str) -> ParsedFile:
    """One document at a time: a templated or broken document is skipped (reported through
    `ParsedFile.errors`) and every other document is read. When no document can be read, the first error is
    raised, as for any unreadable file. The file name helps recognise a vLLM config (`vllm.yaml`)."""
    from lmimigrate.surfaces import detect_newline

    unit = Unit(text=text, surface="yaml", newline=detect_newline(text))
    parsed = ParsedFile(path=path, units=[unit])
    documents = _read(unit, parsed, path)
    if len(parsed.errors) == documents:
        raise parsed.errors[0]
    return parsed
