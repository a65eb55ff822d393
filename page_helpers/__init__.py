"""What the pages share: the signed-in user, translation, reads and edits through the core,
widgets and the office map's helpers. Not pages themselves (app_pages/ holds only pages)."""
