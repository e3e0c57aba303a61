"""Family tracing: enquiries, match candidates and their review, disclosures, de-duplication."""
