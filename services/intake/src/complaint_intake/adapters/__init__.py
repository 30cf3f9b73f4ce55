"""Intake's adapters: MongoDB storage and number claims, Kafka publishing."""
