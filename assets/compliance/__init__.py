"""Compliance evaluation of the bureau against a standard (rules as data in assets/standards/)."""
