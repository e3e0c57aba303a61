"""Lifeline: a hotline and tracing system for people caught in war."""
