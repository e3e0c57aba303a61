"""Tests for the demo's synthetic-data generators."""
