"""The e-mail channel: received over SMTP (server), read (parse), filed and answered (adapter)."""
