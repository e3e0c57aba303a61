"""Synthetic data for the demo: persons and message threads, in plain Python."""
