"""Tests of the mapdata area (registry/mapdata/ and its pages)."""
