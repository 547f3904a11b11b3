package dev.parley.schemas.codec;

import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for wire records that are trusted to be well formed (replies, dead letters). Prompts come from
 * anyone and go through {@link dev.parley.schemas.validation.PromptDecoder} instead, which never throws.
 */
public final class JsonDeserializer<T> implements Deserializer<T> {

    private final Class<T> type;

    public JsonDeserializer(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : WireJson.fromBytes(data, type);
    }
}
