"""Turning result objects into JSON, CSV, names and rich tables; writing files atomically."""
