"""Tests of the places area (registry/places/ and its pages)."""
