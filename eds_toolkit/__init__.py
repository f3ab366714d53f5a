"""eds_toolkit package."""
