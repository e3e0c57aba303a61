"""The channels people write in on, one folder each (telegram, whatsapp, email, phone, web).

Each channel's adapter files what arrives under a conversation and a case; the inbox
(`lifeline.intake`) keeps it durable and finds the adapter through settings.LIFELINE_CHANNELS.
Each channel's webhook views and its management command (`lifeline telegram`,
`lifeline whatsapp`, `lifeline smtpd`) live beside its adapter.
"""
