"""Accounts: users, sign-in, lockout, and reading the audit trail."""
