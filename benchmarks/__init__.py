"""chainrule's benchmarks: ``python -m benchmarks [--quick] [--only NAME ...]`` prints every table."""
