"""Tests of the fieldwork area (registry/fieldwork/ and its pages)."""
