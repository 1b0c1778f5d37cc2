"""lmimigrate's built-in rules, grouped by stack. Installed as the package `lmimigrate.rules`."""
