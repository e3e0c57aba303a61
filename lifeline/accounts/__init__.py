"""Staff accounts: users, roles, two-factor login and login throttling."""
