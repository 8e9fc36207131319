"""Findings about the revision file or its bypass comments rather than about the database.

MG901 parse-error: the file could not be read as Python (a syntax error, an
undecodable byte, a binary file). Nothing in it was checked, so it fails the check
until it parses.

MG902 bypass-without-reason: a ``# CI:DESTRUCTIVE_OK`` comment with no reason after
the token. It does not suppress anything (unless ``require-reason = false``); write
why the operation is safe, for example ``# CI:DESTRUCTIVE_OK table emptied by ADR-015``.

MG903 unused-bypass: a bypass comment that covers no finding. It usually sits on the
wrong line (a bypass covers the statement it is on, or the statement that starts on
the next line when the comment stands alone), or the operation it guarded is gone. A
bypass covers one statement: one that points at findings of several (two calls on one
line, a Python comment on a string of several SQL statements) covers none of them and is
reported here with their lines; give each statement its own comment, in the SQL
(``-- CI:DESTRUCTIVE_OK why``) or on its element of a list of SQL.
"""
from ..model import BYPASS_WITHOUT_REASON_CODE, PARSE_ERROR_CODE, UNUSED_BYPASS_CODE, Severity
from . import meta

PARSE_ERROR = meta(PARSE_ERROR_CODE, "parse-error", Severity.ERROR, "The revision file cannot be parsed")
BYPASS_WITHOUT_REASON = meta(
    BYPASS_WITHOUT_REASON_CODE, "bypass-without-reason", Severity.ERROR, "A bypass comment gives no reason"
)
UNUSED_BYPASS = meta(UNUSED_BYPASS_CODE, "unused-bypass", Severity.WARNING, "A bypass comment suppresses nothing")
