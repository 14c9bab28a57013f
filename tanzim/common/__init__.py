"""Shared helpers with no models: normalisation, identifiers, Jalali dates, deadlines, money.

Every other Tanzim app may import from here; this package imports no other Tanzim app.
"""
