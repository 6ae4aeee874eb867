"""Compliance evaluation of the bureau against a standard (rules as data in compliance/data/)."""
