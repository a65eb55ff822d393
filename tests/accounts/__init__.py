"""Tests of the accounts area (registry/accounts/ and its pages)."""
