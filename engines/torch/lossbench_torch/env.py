"""Settings read from environment variables: a bad value is an error that names the variable."""
from __future__ import annotations

import math
import os


def positive_seconds(name: str, default: float) -> float:
    """The variable as a positive, finite number of seconds; `default` when unset or empty."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a positive number of seconds, got {text!r}")
    return value
