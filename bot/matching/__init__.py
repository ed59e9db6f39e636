"""Matching mentors with mentees: hard rules, a scored sparse candidate graph, an optimal assignment, reasons."""
