"""The organisation that runs the line: its names, who we are, each channel's public address."""
