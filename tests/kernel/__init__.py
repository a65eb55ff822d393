"""Tests of the kernel area (registry/kernel/ and its pages)."""
