"""Loaders: one module per domain noun (territory, services, planning)."""
