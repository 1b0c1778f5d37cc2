"""YAML files: Kubernetes/KServe/SageMaker-operator containers, docker-compose services, Helm values, vLLM
`--config` files and LMI option maps.

Reading goes through ruamel.yaml's *event parser* only, and a small iterative composer (`tree`) builds a tree
of YNode with source offsets. No Python object is ever constructed from a tag, and aliases are kept as opaque
leaves (never expanded), so alias bombs cost nothing. Every edit is a text splice; YAML is never dumped.

Scopes (per document of a multi-document file):
- "env": k8s `env:` lists of {name, value} (`valueFrom` entries are non-literal), Helm-style maps of
  UPPER_CASE names (`env`, `environment`, `extraEnv`, `envVars`, `envs`), compose `environment` maps and
  `- KEY=value` lists.
- "cli": container `command`/`args` and compose `command`/`entrypoint`, through `vllm_scope`.
- "vllm-config": a vLLM `--config` file (top-level mapping of vLLM flag names).
- "lmi-map": a mapping of `option.*` keys.

Block collections support rename/set/delete/insert. Flow collections (`[a, b]`, `{A: 1}`) support all four
too; inserting into a flow collection copies the separator of its siblings. Edits that a scalar's style cannot
hold (a value needing quotes inside a plain `- KEY=value` item, shell text with `#` inside a plain script)
raise ValueError, which the engine treats as "no fix".

Documents are read one at a time. Templates: a document with Helm/Jinja markup (`{{`, `{%`; GitHub's `${{`
excepted) is skipped with a ParseError with `template = True` (LMM004) and never rewritten, even when the
markup sits inside quoted scalars, because its settings are only known after rendering; markup inside a block
scalar (a chat template in a ConfigMap) is data. A document that does not parse is skipped (LMM001) and the
rest of the file is still read, but nothing in it is rewritten. When no document can be read, the file raises
that error.
"""

from lmimigrate.surfaces.yaml.recognize import parse, parse_file
from lmimigrate.surfaces.yaml.tree import YNode, compose

__all__ = ["YNode", "compose", "parse", "parse_file"]
