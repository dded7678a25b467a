"""Widgets shared by the mlpm screens."""
