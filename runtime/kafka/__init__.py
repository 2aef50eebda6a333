"""The Kafka adapter: confluent-kafka for asyncio, topics, headers, tracing, dead letters."""
