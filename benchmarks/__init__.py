"""vocode_async benchmarks: run with `nox -s bench` or `python -m benchmarks.run`."""
