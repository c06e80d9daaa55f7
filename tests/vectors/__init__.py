"""Golden verification vectors (see build.py)."""
