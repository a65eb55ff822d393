"""Field work: inspections, rectifications (整改) and inspection campaigns (专项检查)."""
