"""Runnable measurements that print figures (see README.md)."""
