#!/bin/sh
# Writes /etc/kafka/server.properties from the KAFKA_* environment (KAFKA_NODE_ID -> node.id,
# KAFKA_LOG_DIRS -> log.dirs; KAFKA_HEAP_OPTS and KAFKA_CLUSTER_ID are not properties), formats
# the storage once (with KAFKA_CLUSTER_ID, which every node of a cluster must share), runs Kafka.
set -eu
conf=/etc/kafka/server.properties
: >"$conf"
env | sort | while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_CLUSTER_ID | KAFKA_JVM_OPTS) ;;
    KAFKA_*) echo "$(echo "${name#KAFKA_}" | tr 'A-Z_' 'a-z.')=$value" >>"$conf" ;;
  esac
done
data=$(sed -n 's/^log\.dirs=//p' "$conf")
cp="/opt/kafka/libs/*"
log4j="-Dlog4j2.configurationFile=/opt/kafka/log4j2.xml"
if [ ! -f "${data%%,*}/meta.properties" ]; then
  : "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID (22 characters of URL-safe base64, the same on every node) to format the storage}"
  java $log4j -cp "$cp" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$conf" --ignore-formatted
fi
# shellcheck disable=SC2086  # the options are words on purpose
exec java ${KAFKA_HEAP_OPTS} -XX:+UseG1GC -Djava.awt.headless=true ${KAFKA_JVM_OPTS:-} $log4j -cp "$cp" kafka.Kafka "$conf"
