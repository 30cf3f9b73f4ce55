"""The archive's outside world: MongoDB (event log, documents, GridFS), Kafka, policy files."""
