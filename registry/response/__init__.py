"""Response (预报预警、决策指挥): warnings, and what the district does when one arrives."""
