"""Console clients: one async client per backend, returning model objects."""
