"""Benchmarks. Not tests: each reports a ratio to a limit measured in the same run."""
