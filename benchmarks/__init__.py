"""Performance benchmark of the project (issue #8): ``python -m benchmarks.run``."""
