package dev.parley.client.internal;

import java.time.Duration;

/** Checks of values the SDK's builders take; each message names the value's builder method and the value. */
public final class Checks {

    private static final String TOPIC_NAME = "[a-zA-Z0-9._-]{1,249}";

    private Checks() {
    }

    /** The topic, when it is a legal Kafka topic name. */
    public static String topic(String name, String topic) {
        if (topic == null || !topic.matches(TOPIC_NAME)) {
            throw new IllegalArgumentException(name + " must be a Kafka topic name, got '" + topic + "'");
        }
        return topic;
    }

    /** The duration, when it is longer than zero. */
    public static Duration positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    /** The number, when it is at least {@code min}. */
    public static int atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
        }
        return value;
    }
}
