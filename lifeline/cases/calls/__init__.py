"""Log a call: the console screen where an operator files a phone call under a case."""
