"""Open Badges 3.0 credential engine: pure functions, no I/O."""
