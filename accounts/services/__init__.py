"""Writes of the identity side; see the modules for each subdomain."""
