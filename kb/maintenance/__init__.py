"""Administration tasks over the whole installation: consistency checks, backup and restore."""
