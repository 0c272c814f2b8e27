"""qnas."""
