"""Content and file writers for scripts/make_sample_library.py."""
