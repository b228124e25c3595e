"""Network clients shared by the check families, each with timeouts and size caps."""
