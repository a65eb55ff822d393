"""Disaster reporting (灾情报送, 应急〔2020〕19号): towns' 初报, 续报 and 核报 within an event, the
named registers behind them, the reporting clock, and the district's roll-up and 快报表."""
