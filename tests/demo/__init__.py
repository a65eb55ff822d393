"""Tests of the demo area (registry/demo/ and its pages)."""
