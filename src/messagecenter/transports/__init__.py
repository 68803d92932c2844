"""Transports: one folder per channel kind; the interface is in base.py."""
