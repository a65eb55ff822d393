"""What the office map shows: points and locality indicators, read from the records."""
