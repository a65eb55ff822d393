"""Tests of the operations area (registry/operations/ and its pages)."""
