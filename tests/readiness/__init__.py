"""Tests of the readiness area (registry/readiness/ and its pages)."""
