"""Rules for the lmi stack."""
