"""The public website: start page, forms to write in, receipt, status page and statistics."""
