"""The tool's own diagnostics. The engine emits them; these classes give them names, docs and examples."""

from __future__ import annotations

from lmimigrate.core.ftypes import Example, Severity
from lmimigrate.core.rule import Rule


class _Diagnostic(Rule):
    stack = "tool"
    trigger = "always"
    severity = Severity.ERROR


class ParseFailed(_Diagnostic):
    code = "LMM001"
    name = "parse-error"
    summary = "The file cannot be parsed, so it was not checked and will not be rewritten"
    what = "Reports a configuration file that is not valid for its format (YAML, JSON, Python, shell quoting...)."
    why = (
        "A file lmimigrate cannot parse cannot be checked, and it is never written: the finding points at the "
        "first error so you can repair it. The run goes on with the other files."
    )
    fix_safety = "No fix. The file is left byte-for-byte untouched."
    invalid = (Example("deploy.yaml", "env:\n  - name: OPTION_ROLLING_BATCH\n    value: [vllm\n"),)


class NotUtf8(_Diagnostic):
    code = "LMM002"
    name = "not-utf8"
    summary = "The file is not valid UTF-8; it was skipped and is never rewritten"
    what = "Reports a candidate file whose bytes are not UTF-8 (with or without a BOM), with the line of the first bad byte."
    why = "Rewriting text in an unknown encoding could corrupt it, so lmimigrate reads only UTF-8."
    fix_safety = "No fix. Convert the file to UTF-8 if you want it checked."


class TemplateSkipped(_Diagnostic):
    code = "LMM004"
    name = "template-skipped"
    severity = Severity.INFO
    summary = "A templated file ({{ ... }}) was skipped: its settings are only known after rendering"
    what = "Reports YAML that contains Helm/Jinja template syntax. It is not parsed and never rewritten."
    why = "Template expressions are not YAML; a rewrite could break the template. Check the rendered output instead (e.g. `helm template ... > rendered.yaml; lmimigrate check rendered.yaml`)."
    fix_safety = "No fix."
    invalid = (Example("templates/deployment.yaml", "env:\n  - name: OPTION_ROLLING_BATCH\n    value: {{ .Values.rollingBatch }}\n"),)


class TooLarge(_Diagnostic):
    code = "LMM005"
    name = "file-too-large"
    severity = Severity.WARNING
    summary = "The file is larger than max-file-size and was skipped"
    what = "Reports a candidate file over the size limit (default 10 MiB; `max-file-size` in [tool.lmimigrate])."
    why = "Configuration files are small; a huge file is usually data, and reading it would slow every run."
    fix_safety = "No fix. Raise `max-file-size` if the file really is configuration."


class FixDropped(_Diagnostic):
    code = "LMM006"
    name = "fix-dropped"
    severity = Severity.WARNING
    summary = "A fix was not applied because its result would not parse, or fixes did not converge"
    what = "Reports a fix that lmimigrate refused to apply: the edited file failed to parse, or the fix loop hit its bound."
    why = "lmimigrate never writes a file it cannot parse back. The original finding stays reported."
    fix_safety = "No fix. Apply the change by hand, and please report it: it is a bug in a rule."


class WriteFailed(_Diagnostic):
    code = "LMM007"
    name = "write-failed"
    summary = "Fixes could not be written (read-only file, symlink, changed on disk, or I/O error)"
    what = "Reports a file whose fixes were computed but not written. The original file is unchanged."
    why = "Writes are atomic: a temporary file next to the original replaces it only when everything succeeded."
    fix_safety = "No fix."


class BinaryFile(_Diagnostic):
    code = "LMM008"
    name = "binary-file"
    severity = Severity.WARNING
    summary = "The file looks binary (it contains NUL bytes) and was skipped"
    what = "Reports a file with a configuration file name whose content is binary."
    why = "Binary content is not configuration lmimigrate can read."
    fix_safety = "No fix."


class InternalError(_Diagnostic):
    code = "LMM009"
    name = "internal-error"
    summary = "A rule crashed on this file (a bug in lmimigrate); the run went on and exits with 2"
    what = "Reports an exception inside a rule. Run with `--debug` for the traceback."
    why = "A crashing rule must not hide the other findings, but the run must not look clean either."
    fix_safety = "No fix. Please report it."


class Unreadable(_Diagnostic):
    code = "LMM010"
    name = "unreadable-path"
    summary = "A path could not be read (permissions, a FIFO or socket, a directory named like a file)"
    what = "Reports a candidate path that could not be read as a regular file."
    why = "lmimigrate reads regular files only and never blocks on FIFOs or devices."
    fix_safety = "No fix."


class PluginError(_Diagnostic):
    code = "LMM020"
    name = "plugin-error"
    summary = "A rule plugin could not be loaded, or one of its rules was left out; the other rules still ran"
    what = (
        "Reports a rule plugin (an entry point in the group `lmimigrate.rules`) that fails to import, names "
        "something that is not a rule, gives a rule a code that another rule already has, or uses a prefix "
        "reserved for lmimigrate (`LMI`, `VLLM`, `HPU`, `LMM`). The finding names the plugin."
    )
    why = (
        "One broken or clashing plugin must not stop every check; but a run without the plugin's rules must not "
        "look clean either. See docs/plugins.md for codes and entry points."
    )
    fix_safety = "No fix: repair or upgrade the plugin, or uninstall it."


class NotRead(_Diagnostic):
    code = "LMM011"
    name = "not-read"
    severity = Severity.WARNING
    summary = "A file named on the command line is not one lmimigrate reads, so it was not checked"
    what = (
        "Reports a file given by name (or `-` with `--stdin-filename`) that matches no format lmimigrate "
        "reads: `serving.properties`, `.env` files, shell scripts, Dockerfiles, YAML, JSON, Python, notebooks."
    )
    why = (
        "Checking nothing must not look like a clean result: a misspelt path in CI, or a script without an "
        "extension, would otherwise pass silently. Directories are walked as usual; only named files are "
        "reported. Rename the file, or pass `--stdin-filename NAME` to say what standard input is."
    )
    fix_safety = "No fix."
