"""The ways in: the Kafka subscriber (and the app's health and metrics routes)."""
