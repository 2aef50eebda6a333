#!/bin/sh
# Healthy when the broker answers an ApiVersions request on its first listener's port
# (org.apache.kafka.tools.BrokerApiVersionsCommand, from kafka-tools in the pom).
port=$(sed -n 's/^listeners=[A-Z_]*:\/\/[^:,]*:\([0-9]*\).*/\1/p' /etc/kafka/server.properties)
exec java -Xmx64m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile=/opt/kafka/log4j2.xml \
  -cp "/opt/kafka/libs/*" org.apache.kafka.tools.BrokerApiVersionsCommand \
  --bootstrap-server "localhost:${port:-9092}" >/dev/null
