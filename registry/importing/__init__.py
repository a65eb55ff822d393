"""Excel imports the way offices work: download a template, fill it in, upload, read the
row-by-row report, commit all rows or none.

Kinds: ``stock`` (receipts into existing depots), ``teams``, ``members`` (of existing
teams) and ``checkpoints``. Every row is written through the same use-case a form uses, so
permissions, validation and the audit trail are the same.
"""

from registry.importing.columns import COLUMNS, KINDS
from registry.importing.reader import MAX_FILE_BYTES
from registry.importing.report import ImportRefused, ImportReport, Problem
from registry.importing.run import commit, preview
from registry.importing.templates import template_bytes, template_name

__all__ = [
    "COLUMNS",
    "KINDS",
    "MAX_FILE_BYTES",
    "ImportRefused",
    "ImportReport",
    "Problem",
    "commit",
    "preview",
    "template_bytes",
    "template_name",
]
