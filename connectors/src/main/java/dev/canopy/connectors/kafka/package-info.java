/** Publishing token events to Kafka without ever making the caller wait. */
package dev.canopy.connectors.kafka;
