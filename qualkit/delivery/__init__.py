"""Delivery: the participant register, the delivery log, protocols and tallies."""
