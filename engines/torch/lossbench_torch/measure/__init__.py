"""Measurement: device handling, step timing, peak memory, host RSS."""
