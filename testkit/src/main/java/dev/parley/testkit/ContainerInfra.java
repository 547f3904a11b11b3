package dev.parley.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Kafka and Redis in containers, for machines with a Docker engine. Restarting a container changes its mapped
 * port, so outage drills ({@link #stopRedis()} and friends) need {@link LocalInfra}.
 */
public final class ContainerInfra implements ParleyInfra {

    static final DockerImageName KAFKA_IMAGE = DockerImageName.parse("apache/kafka:4.1.1");
    static final DockerImageName REDIS_IMAGE = DockerImageName.parse("redis:7.4-alpine");

    private final KafkaContainer kafka;
    private final GenericContainer<?> redis;

    private ContainerInfra(KafkaContainer kafka, GenericContainer<?> redis) {
        this.kafka = kafka;
        this.redis = redis;
    }

    /** Whether a Docker engine answers (about half a second when none does; it never hangs). */
    public static boolean dockerAvailable() {
        // Ask Testcontainers only when there is a hint of an engine: without one it logs an alarming ERROR.
        boolean hint = System.getenv("DOCKER_HOST") != null
                || java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
                || java.nio.file.Files.exists(java.nio.file.Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!hint) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    public static ContainerInfra start() {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE);
        GenericContainer<?> redis = new GenericContainer<>(REDIS_IMAGE).withExposedPorts(6379);
        kafka.start();
        redis.start();
        return new ContainerInfra(kafka, redis);
    }

    @Override
    public String bootstrapServers() {
        return kafka.getBootstrapServers().replaceFirst("^PLAINTEXT://", "");
    }

    @Override
    public String redisUri() {
        return "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
    }

    @Override
    public void stopRedis() {
        throw new UnsupportedOperationException("outage drills need PARLEY_INFRA=local (container ports change on restart)");
    }

    @Override
    public void startRedis() {
        throw new UnsupportedOperationException("outage drills need PARLEY_INFRA=local");
    }

    @Override
    public void stopKafka() {
        throw new UnsupportedOperationException("outage drills need PARLEY_INFRA=local");
    }

    @Override
    public void startKafka() {
        throw new UnsupportedOperationException("outage drills need PARLEY_INFRA=local");
    }

    @Override
    public String describe() {
        return "Kafka container at " + bootstrapServers() + ", Redis container at " + redisUri();
    }

    @Override
    public void close() {
        try {
            kafka.stop();
        } finally {
            redis.stop();
        }
    }
}
