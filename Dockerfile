# syntax=docker/dockerfile:1
# The Canopy monitor as a container image: `canopy run`, `canopy fleet` and the other subcommands.
#   docker build -t canopy .
#   docker run --rm -p 9400:9400 canopy run --bootstrap-servers HOST:9092 --http-port 9400
# compose/docker-compose.yml builds it for the demo stack.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds, so a source change does not download Maven Central again.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -q -B -DskipTests package -pl app -am

FROM eclipse-temurin:17-jre
RUN groupadd --system canopy \
 && useradd --system --gid canopy --home-dir /var/lib/canopy --create-home --shell /usr/sbin/nologin canopy
COPY --from=build /src/app/target/canopy.jar /opt/canopy/canopy.jar
USER canopy
# The monitor's state goes to ~/.canopy/state, here /var/lib/canopy/.canopy/state (mount a volume there to keep
# it across container re-creation; state of another Kafka cluster is discarded at start, see the README).
WORKDIR /var/lib/canopy
# The HTTP API and /metrics bind to 127.0.0.1 by default; in a container they must be reachable from outside.
ENV CANOPY_HTTP_HOST=0.0.0.0
# A bounded heap (the JVM would otherwise take a quarter of the host's memory and grow into it under load);
# override with -e CANOPY_JAVA_OPTS=-Xmx2g. An OutOfMemoryError ends the process, for the restart policy.
ENV CANOPY_JAVA_OPTS=-Xmx1g
EXPOSE 9400
ENTRYPOINT ["sh", "-c", "exec java -XX:+ExitOnOutOfMemoryError $CANOPY_JAVA_OPTS -jar /opt/canopy/canopy.jar \"$@\"", "canopy"]
CMD ["--help"]
