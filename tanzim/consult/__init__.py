"""Consultation, guided drafting and the diagnosis before filing."""
