"""Stand-in for Fubon Neo's fubon_neo package (tests only: see ../standin.py)."""
