"""MongoDB, Kafka, SMTP and webhook adapters of the notifier."""
