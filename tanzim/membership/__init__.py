"""New offices from exam to opening; the Kanoon's services to its members."""
