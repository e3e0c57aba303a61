"""Tests for the benchmarks' evaluation-set generator and transliteration tables."""
