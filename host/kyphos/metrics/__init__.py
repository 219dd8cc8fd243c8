"""Metrics from trunk angles: posture zones and scores, lifts and form, kinematic risk.

Every threshold and its source is in docs/scoring.md.
"""
