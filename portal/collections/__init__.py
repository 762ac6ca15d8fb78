"""Collections: what is owed, how late, and what happens next (the admin dashboard's part)."""
