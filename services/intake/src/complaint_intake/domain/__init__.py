"""Intake's pure rules: parsing, normalisation, numbers, idempotency records, commands."""
