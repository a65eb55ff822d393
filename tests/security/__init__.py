"""Regression tests of the security and trust review (issue 12), one module per area; each
test is named after the behaviour it proves."""
