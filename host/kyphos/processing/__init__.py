"""Signal processing from raw IMU samples to trunk angles.

Stages, each usable on its own: :mod:`preprocess` (gaps, uniform grid, filters, vibration mask),
:mod:`orientation` (VQF offline and online), :mod:`calibration` (sensor → body frame),
:mod:`angles` (flexion, lateral bend, axial rotation), :mod:`causal` (the same chain, chunk by
chunk, for live use).
"""
