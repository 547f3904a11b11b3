package dev.parley.testkit;

import dev.parley.testkit.kafka.KafkaBroker;
import dev.parley.testkit.redis.RedisServer;

/** An in-process KRaft broker and a {@code redis-server} child process. */
public final class LocalInfra implements ParleyInfra {

    private final KafkaBroker kafka;
    private final RedisServer redis;

    private LocalInfra(KafkaBroker kafka, RedisServer redis) {
        this.kafka = kafka;
        this.redis = redis;
    }

    public static LocalInfra start() {
        RedisServer redis = RedisServer.launch();
        try {
            return new LocalInfra(KafkaBroker.launch(), redis);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    @Override
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public String redisUri() {
        return redis.uri();
    }

    @Override
    public void stopRedis() {
        redis.stop();
    }

    @Override
    public void startRedis() {
        redis.start();
    }

    @Override
    public void stopKafka() {
        kafka.stop();
    }

    @Override
    public void startKafka() {
        kafka.start();
    }

    @Override
    public String describe() {
        return "in-process Kafka broker at " + bootstrapServers() + ", " + redis.binary() + " at " + redisUri();
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            redis.close();
        }
    }
}
