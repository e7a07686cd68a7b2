"""PURE: appointing VIPU contacts for organisations that have none that works."""
