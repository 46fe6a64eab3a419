"""Jinja2 templates of the HTML accountability report (package data)."""
