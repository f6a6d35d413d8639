"""Benchmarks: how fast and how big, each figure beside a baseline measured in the same run.

Run everything with ``python -m bench`` (see docs/PERFORMANCE.md). Not tests: nothing here
asserts a time; ``tests/test_bench.py`` only checks that the benchmarks still run.
"""
