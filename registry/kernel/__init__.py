"""The kernel: storage, models, vocabularies, errors, settings, clock, translation,
permissions, the audit trail and the shapes every use-case shares. Imports no area."""
