"""Every action the audit log records, named once: services write them, the viewer lists them.

An action is "<what>.<verb>". `audit_record` accepts only these, so a misspelt action fails
where it is written, not in an auditor's search months later.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    # the audit log itself: who searched it, exported it, verified its chain
    AUDIT_EXPORT = "audit.export"
    AUDIT_SEARCH = "audit.search"
    AUDIT_VERIFY = "audit.verify"
    # field keys: rotation and emergency destruction (counts and key ids, never key material)
    KEYS_DESTROY = "keys.destroy"
    KEYS_REENCRYPT = "keys.reencrypt"
    KEYS_REHASH = "keys.rehash"
    KEYS_RETIRE = "keys.retire"
    # backups: one made, one restored (with how many of its checks failed)
    BACKUP_CREATE = "backup.create"
    BACKUP_RESTORE = "backup.restore"
    # accounts
    USER_2FA_ENROLLED = "user.2fa_enrolled"
    USER_2FA_RESET = "user.2fa_reset"
    USER_CONSOLE_LANGUAGE = "user.console_language"
    USER_DEACTIVATE = "user.deactivate"
    USER_INVITE = "user.invite"
    USER_LOGIN = "user.login"
    USER_LOGIN_FAILED = "user.login_failed"
    USER_LOGOUT = "user.logout"
    USER_REACTIVATE = "user.reactivate"
    USER_ROLES = "user.roles"
    USER_TIME_ZONE = "user.time_zone"
    # cases
    CASE_ASSIGN = "case.assign"
    CASE_CALL_BACK = "case.call_back"
    CASE_CALLER_NUMBER_READ = "case.caller_number_read"
    CASE_NOTE = "case.note"
    CASE_OPEN = "case.open"
    CASE_PREVIEW = "case.preview"  # its summary's or first message's start, on the queue
    CASE_PRIORITY = "case.priority"
    CASE_PUBLIC_VIEW = "case.public_view"
    CASE_RECEIPT_REHASHED = "case.receipt_rehashed"
    CASE_REOPEN = "case.reopen"
    CASE_REPLY = "case.reply"
    CASE_REPLY_APPROVE = "case.reply_approve"
    CASE_REPLY_DRAFT = "case.reply_draft"
    CASE_REPLY_REJECT = "case.reply_reject"
    CASE_TRANSITION = "case.transition"
    CASE_VIEW = "case.view"
    REPLY_TEMPLATE_CREATE = "reply_template.create"
    REPLY_TEMPLATE_DELETE = "reply_template.delete"
    REPLY_TEMPLATE_UPDATE = "reply_template.update"
    # cases: log a call
    CALL_LOG = "call.log"
    # the inbox
    CONTACT_FAIL = "contact.fail"
    CONTACT_PROCESS = "contact.process"
    CONTACT_RECEIVE = "contact.receive"
    CONTACT_REQUEUE = "contact.requeue"
    CONTACT_RETRY = "contact.retry"
    CONTACT_SEND = "contact.send"
    CONTACT_SENT = "contact.sent"
    # attachments
    ATTACHMENT_VIEW = "attachment.view"
    # the registry
    PERSON_CAPTURE_CARD = "person.capture_card"
    PERSON_CREATE = "person.create"
    PERSON_DEDUPE = "person.dedupe"
    PERSON_DELETE = "person.delete"  # only an import's undo deletes a person it created
    PERSON_DUPLICATE_DISMISS = "person.duplicate_dismiss"
    PERSON_EXPORT = "person.export"
    PERSON_IMPORT_UNDO = "person.import_undo"  # what an import added to him was taken back
    PERSON_MERGE = "person.merge"
    PERSON_NAME_FORM_ADD = "person.name_form_add"
    PERSON_SEARCH = "person.search"
    PERSON_STATUS_ADD = "person.status_add"
    PERSON_UPDATE = "person.update"
    PERSON_VIEW = "person.view"
    # the registry: bulk import from a file (counts, lines and ids, never a name)
    IMPORT_APPLY = "import.apply"
    IMPORT_BAD_ROWS = "import.bad_rows"
    IMPORT_DECIDE = "import.decide"
    IMPORT_DISCARD = "import.discard"
    IMPORT_JOB = "import.job"  # a long list handed to the worker to match or apply
    IMPORT_MAPPING_SAVE = "import.mapping_save"
    IMPORT_PREVIEW = "import.preview"
    IMPORT_UNDO = "import.undo"
    IMPORT_UPLOAD = "import.upload"  # a file uploaded in the console (its size and kind)
    IMPORT_UPLOAD_DISCARD = "import.upload_discard"
    # the registry: a whole list matched, nothing written to the registry (counts, lines, ids)
    LIST_DECIDE = "list.decide"
    LIST_DELETE = "list.delete"
    LIST_DOWNLOAD = "list.download"
    LIST_MATCH = "list.match"
    # the registry's sources
    SOURCE_CREATE = "source.create"
    # exports for a central tracing agency
    REGISTRY_EXPORT_APPROVE = "registry_export.approve"
    REGISTRY_EXPORT_DOWNLOAD = "registry_export.download"
    REGISTRY_EXPORT_DRAFT = "registry_export.draft"
    # tracing
    ENQUIRY_MATCH = "enquiry.match"
    ENQUIRY_OPEN = "enquiry.open"
    ENQUIRY_REMATCH = "enquiry.rematch"
    ENQUIRY_UPDATE = "enquiry.update"
    ENQUIRY_VERIFY = "enquiry.verify"
    ENQUIRY_VIEW = "enquiry.view"
    # tracing: match candidates
    CANDIDATE_REVIEW = "candidate.review"
    # tracing: answers to families
    DISCLOSURE_APPROVE = "disclosure.approve"
    DISCLOSURE_DRAFT = "disclosure.draft"
    DISCLOSURE_REJECT = "disclosure.reject"
    # outcomes: offers
    OUTCOME_CHOOSE = "outcome.choose"
    OUTCOME_OFFER = "outcome.offer"
    # outcomes: assistance
    ASSISTANCE_ADD = "assistance.add"
    ASSISTANCE_STATUS = "assistance.status"
    # outcomes: the assistance catalogue
    ASSISTANCE_TYPE_CREATE = "assistance_type.create"
    ASSISTANCE_TYPE_DELETE = "assistance_type.delete"
    ASSISTANCE_TYPE_UPDATE = "assistance_type.update"
    # outcomes: exchanges
    EXCHANGE_CANCEL = "exchange.cancel"
    EXCHANGE_COMPLETE = "exchange.complete"
    EXCHANGE_CONFIRM = "exchange.confirm"
    EXCHANGE_CREATE = "exchange.create"
    EXCHANGE_ENTRY_ADD = "exchange.entry_add"
    EXCHANGE_ENTRIES_FROM_LIST = "exchange.entries_from_list"
    EXCHANGE_ENTRY_OUTCOME = "exchange.entry_outcome"
    EXCHANGE_REOPEN = "exchange.reopen"
    EXCHANGE_UPDATE = "exchange.update"
    # outcomes: handovers
    HANDOVER_COMPLETE = "handover.complete"
    HANDOVER_OPEN = "handover.open"
    HANDOVER_SCHEDULE = "handover.schedule"
    HANDOVER_STEP = "handover.step"
    HANDOVER_VERIFY = "handover.verify"
    # the organisation's public settings
    ORGANISATION_UPDATE = "organisation.update"
    GUIDANCE_UPDATE = "organisation.guidance"
    # retention: the policy, and each batch the purge deleted (counts only)
    RETENTION_POLICY = "retention.policy"
    RETENTION_PURGE = "retention.purge"
    # reports
    REPORT_EXPORT = "report.export"
    # the demo
    DEMO_CREDENTIALS = "demo.credentials"
    DEMO_LOAD = "demo.load"
