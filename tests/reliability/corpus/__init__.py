"""The counted bad-input corpus of issue 7 (see ``cases.py`` and docs/RELIABILITY.md)."""
