"""Places: localities, their boundaries, and nearest-resource search."""
