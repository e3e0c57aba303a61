"""Attachments: files people send, cleaned before anyone opens them, and stored encrypted.

- `cleaning.py`: what cleaning does to each kind of file (re-encoded images, rebuilt PDFs,
  metadata stripped) and what is kept uncleaned, flagged;
- `sandbox.py`: cleaning runs in a child process with memory and time limits, so a hostile
  file can only kill the child;
- `store.py`: `attachment_store`, which the channels call (`fetched_store` for what a
  channel's `fetch` downloaded), and the dangerous-file flags;
- `views.py`: the console's download, with its warning for files that were not cleaned.
"""
