"""Tests of the plans area (registry/plans/ and its pages)."""
