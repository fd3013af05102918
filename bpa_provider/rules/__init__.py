"""Pure, database-free domain rules."""
