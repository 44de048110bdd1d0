"""Benchmark registry and runner behind ``python -m fastnorm bench`` (and bench/ for asv)."""
