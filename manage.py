#!/usr/bin/env python3
"""Django's command-line utility for Lifeline (the `lifeline` command wraps it)."""

from lifeline.cli import main

if __name__ == "__main__":
    main()
