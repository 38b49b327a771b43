"""Resource groups: one module per group of the API."""
