"""Suara's benchmark harness: `make bench` (100k and 1M rows) and `make bench-quick` (100k); see README.md."""
