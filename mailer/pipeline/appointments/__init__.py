"""Appointment requests to organisations without a working VIPU contact, and the people they
appoint through the signed link."""
