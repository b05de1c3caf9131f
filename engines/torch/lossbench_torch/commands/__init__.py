"""The non-worker commands of `python3 -m lossbench_torch`."""
