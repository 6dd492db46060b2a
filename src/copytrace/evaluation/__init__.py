"""Evaluation: a labelled republication benchmark, its scorer, and peers measured on it."""
