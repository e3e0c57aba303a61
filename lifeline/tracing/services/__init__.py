"""Writes of tracing, one module per sub-domain: enquiries, candidates, disclosures, duplicates.

Each service runs in one transaction and writes its audit event there. Audit details hold ids,
states, counts and scores: never a name, a place, the enquiry's text, a disclosure's text or
the engine's explanation (which quotes spellings). Import a service from its module.
"""
