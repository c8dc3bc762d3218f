"""Help assistant for children and teens facing online sexual blackmail (sextortion)."""
