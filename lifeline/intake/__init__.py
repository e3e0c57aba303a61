"""The inbox: durable inbound items, channel adapters, conversations and outbound messages."""
