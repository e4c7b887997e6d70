"""Benchmarks: run on demand, write their figures to docs/PERFORMANCE.md."""
