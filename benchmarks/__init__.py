"""fengqiao's benchmark suite: ``python -m benchmarks`` (see README.md here). Never gates CI by time."""
