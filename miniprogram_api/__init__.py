"""The mini-program JSON API under /api/v1."""
