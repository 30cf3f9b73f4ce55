"""How the archive is reached: the Kafka subscriber, the REST API and the maintenance commands."""
