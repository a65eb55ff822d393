"""Records kept by towns and the office: depots, stock and its ledger, teams, checkpoints,
the item catalogue; their commands and their reads."""
