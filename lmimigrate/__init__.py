"""lmimigrate: find and fix what breaks when LMI, vLLM or Gaudi deployments are upgraded."""

__version__ = "0.1.0"
DOCS_URL = "https://github.com/lmimigrate/lmimigrate/blob/main/docs/rules/{code}.md"
