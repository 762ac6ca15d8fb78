"""Benchmarks (`make bench`): speed and memory of the hot paths, outside the test suite."""
