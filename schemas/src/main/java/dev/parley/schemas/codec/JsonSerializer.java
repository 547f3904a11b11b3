package dev.parley.schemas.codec;

import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer writing any wire record as UTF-8 JSON. */
public final class JsonSerializer<T> implements Serializer<T> {

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : WireJson.toBytes(data);
    }
}
