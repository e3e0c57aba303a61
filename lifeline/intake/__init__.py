"""The inbox: durable inbound items, conversations, attachments and the outbound queue.

Channels (lifeline.channels) sit above it and are found through settings.LIFELINE_CHANNELS;
what happens once an item is filed belongs to the apps above, through the hooks in settings.
"""
