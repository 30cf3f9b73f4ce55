"""Team-written evaluation sets: `make evaluate` reports agreement, not a pass/fail test."""
