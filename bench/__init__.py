"""Benchmarks for bpa-provider (`make bench`; never part of `make test`).

Each figure is measured beside its floor in the same run, several times; the table shows median,
spread and the ratio to the floor, and is written to docs/performance.md.
"""
