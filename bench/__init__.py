"""Benchmarks for ragbot's knowledge base (see bench/README.md). Nothing here runs on import."""
