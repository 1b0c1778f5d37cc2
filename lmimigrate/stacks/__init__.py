"""The built-in stacks. Importing this package registers each stack's knowledge with the core."""

from lmimigrate.stacks.lmi import versions as _lmi_versions  # noqa: F401  (registration order: lmi, vllm, gaudi)
from lmimigrate.stacks.vllm import versions as _vllm_versions  # noqa: F401
from lmimigrate.stacks.gaudi import versions as _gaudi_versions  # noqa: F401
from lmimigrate.stacks import detect as _detect  # noqa: F401  (registers the version detectors)
from lmimigrate.stacks.lmi import env as _lmi_env  # noqa: F401  (LMI reads OPTION_* variables as options)
from lmimigrate.stacks.vllm import flags as _vllm_flags  # noqa: F401  (command-line facts for the surfaces)
