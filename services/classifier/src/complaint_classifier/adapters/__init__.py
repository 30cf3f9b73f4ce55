"""MongoDB, Kafka and policy files: what the use cases run on in production."""
