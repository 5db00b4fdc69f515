"""Figures for every chapter, drawn with matplotlib's Agg backend (no window needed)."""
