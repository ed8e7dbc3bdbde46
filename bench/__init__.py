"""Benchmarks for interview-qa: `python -m bench` (or `make bench`) prints every figure and
writes bench/out/results.json, bench/out/report.md and bench/out/latency_vs_size.png."""
