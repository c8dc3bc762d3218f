"""Benchmarks run by `make bench`: they print figures and ratios, they never fail a build."""
