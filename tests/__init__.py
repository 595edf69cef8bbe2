"""fengqiao's own tests: a package, so shared helpers import as ``tests.stages`` (no ``pythonpath`` setting)."""
