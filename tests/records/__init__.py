"""Tests of the records area (registry/records/ and its pages)."""
