"""Rules for the gaudi stack."""
