"""Tests of the importing area (registry/importing/ and its pages)."""
