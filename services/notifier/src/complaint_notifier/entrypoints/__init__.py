"""Kafka subscriber, scheduler loop and REST routes of the notifier."""
