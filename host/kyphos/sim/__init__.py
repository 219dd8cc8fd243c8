"""The virtual board: simulated body, sensor, chips and radio."""
