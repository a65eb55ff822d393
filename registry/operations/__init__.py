"""Operations: bringing a database to life, backup and restore, moving it, checking it."""
