"""HTML views of the workshop, one module per area (see urls.py)."""
