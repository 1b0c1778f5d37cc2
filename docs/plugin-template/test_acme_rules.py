"""Each rule's examples are its tests: lmimigrate.testing runs them as `lmimigrate check` would."""

from acme_lmimigrate_rules import LegacyCacheOption

from lmimigrate.testing import check_examples


def test_legacy_cache_option_examples():
    check_examples(LegacyCacheOption)
