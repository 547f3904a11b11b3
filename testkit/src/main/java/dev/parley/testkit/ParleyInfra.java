package dev.parley.testkit;

import java.util.Locale;
import java.util.Map;

/**
 * The services Parley runs against: a Kafka broker and a Redis server. {@link #start()} uses Testcontainers where a
 * Docker engine answers, and otherwise an in-process KRaft broker plus a local {@code redis-server}; both are real.
 * {@code PARLEY_INFRA=local} or {@code =containers} forces one.
 */
public interface ParleyInfra extends AutoCloseable {

    /** Environment variable choosing the kind of infrastructure. */
    String MODE_ENV = "PARLEY_INFRA";

    /** {@code host:port} of the Kafka broker. */
    String bootstrapServers();

    /** {@code redis://host:port} of the Redis server. */
    String redisUri();

    /** Stops Redis until {@link #startRedis()} (for outage drills); the address stays the same. */
    void stopRedis();

    void startRedis();

    /** Stops the broker until {@link #startKafka()}; the address stays the same. */
    void stopKafka();

    void startKafka();

    /** A sentence for logs: what runs where. */
    String describe();

    @Override
    void close();

    /** Starts the infrastructure that suits this machine. */
    static ParleyInfra start() {
        return start(System.getenv());
    }

    static ParleyInfra start(Map<String, String> env) {
        String mode = env.getOrDefault(MODE_ENV, "auto").toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "local" -> LocalInfra.start();
            case "containers" -> ContainerInfra.start();
            case "auto" -> ContainerInfra.dockerAvailable() ? ContainerInfra.start() : LocalInfra.start();
            default -> throw new IllegalArgumentException(MODE_ENV + " must be auto, local or containers, got '" + mode + "'");
        };
    }
}
