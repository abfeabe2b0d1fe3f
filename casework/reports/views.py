"""Report views."""
