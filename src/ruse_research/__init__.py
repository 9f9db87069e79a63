"""ruse_research."""
