package dev.parley.worker.config;

import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The kind of a setting's values (decaton's {@code PropertyDefinition} shape): the Java type, how a value is read
 * from text, and the one rule every value must keep, whether it came from text (a flag, the environment, a
 * properties file) or from code ({@link WorkerConfig.Builder}). Messages say what is wrong ("must be >= 1") and are
 * prefixed with the setting's key by the caller.
 */
final class Kind<T> {

    private static final String TOPIC_NAME = "[a-zA-Z0-9._-]{1,249}";

    static final Kind<String> TEXT = text("text", value -> require(!value.isBlank(), "must not be empty"));
    static final Kind<Boolean> BOOLEAN = new Kind<>("true or false", Boolean.class,
            Kind::bool, value -> { });
    static final Kind<Long> BYTES = new Kind<>("size: 512MiB, 2GiB, 0", Long.class, ByteSizes::parse,
            value -> require(value >= 0, "must be >= 0"));
    static final Kind<Long> BYTES_AT_LEAST_1KIB = new Kind<>("size >= 1KiB: 64KiB, 1MiB", Long.class,
            ByteSizes::parse, value -> require(value >= 1024, "must be >= 1KiB"));
    /** {@code all} reads as -1. */
    static final Kind<Integer> GPU_LAYERS = new Kind<>("all or integer >= 0", Integer.class,
            Kind::gpuLayers, value -> require(value >= -1, "must be all or >= 0"));
    static final Kind<QuotaLimit> QUOTA_LIMIT = new Kind<>(
            "PROMPT/COMPLETION: tokens per minute or unlimited", QuotaLimit.class, QuotaLimit::parse, value -> { });
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final Kind<Map<String, QuotaLimit>> QUOTA_TENANTS = new Kind<>(
            "tenant=PROMPT/COMPLETION[,...]", (Class) Map.class, QuotaSettings::parseTenants, value -> { });
    static final Kind<Duration> DURATION = new Kind<>("duration: 30s, 500ms, 7d, PT30S",
            Duration.class, Durations::parse, value -> require(!value.isNegative(), "must not be negative"));
    static final Kind<Duration> POSITIVE_DURATION = new Kind<>("duration > 0: 30s, 500ms, 7d, PT30S",
            Duration.class, Durations::parse, value -> require(!value.isNegative() && !value.isZero(), "must be positive"));
    static final Kind<String> TOPIC = text("Kafka topic name", value -> require(value.matches(TOPIC_NAME),
            "is not a Kafka topic name (letters, digits, . _ -)"));
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final Kind<List<String>> TOPIC_PREFIXES = new Kind<>("topic prefixes, comma-separated",
            (Class) List.class, Kind::prefixes, value -> require(!value.isEmpty()
                    && value.stream().allMatch(p -> p.matches(TOPIC_NAME)),
                    "must be topic name prefixes (letters, digits, . _ -), comma-separated"));
    static final Kind<String> MODEL_NAME = text("1-128 of a-z A-Z 0-9 . _ -", value -> require(
            value.matches("[a-zA-Z0-9._-]{1,128}"), "must be 1-128 letters, digits, '.', '_' or '-'"));
    static final Kind<String> REDIS_URI = text("redis:// or rediss:// URI", value -> require(
            value.startsWith("redis://") || value.startsWith("rediss://"), "must start with redis:// or rediss://"));
    static final Kind<Integer> PORT = integer("port, 0 (any) or -1 (off)",
            value -> require(value >= -1 && value <= 65535, "must be a port, 0 or -1"));
    static final Kind<Integer> REPLICATION = integer("-1 or >= 1",
            value -> require(value == -1 || value >= 1, "must be -1 (broker default) or >= 1"));

    private final String description;
    private final Class<T> type;
    private final Function<String, T> reader;
    private final Consumer<T> rule;

    private Kind(String description, Class<T> type, Function<String, T> reader, Consumer<T> rule) {
        this.description = description;
        this.type = type;
        this.reader = reader;
        this.rule = rule;
    }

    static Kind<Integer> atLeast(int min) {
        return integer("integer >= " + min, value -> require(value >= min, "must be >= " + min));
    }

    static Kind<Integer> positive(int max) {
        return integer("integer 1.." + max, value -> require(value >= 1 && value <= max, "must be in 1.." + max));
    }

    /** One of the choices, read case-insensitively. */
    static Kind<String> oneOf(String... choices) {
        List<String> allowed = List.of(choices);
        return new Kind<>(String.join(", ", choices), String.class, text -> text.toLowerCase(Locale.ROOT),
                value -> require(allowed.contains(value), "must be one of " + allowed));
    }

    /** What values are accepted, for docs and help. */
    String description() {
        return description;
    }

    /** Reads a value from text and checks it. */
    T parse(String text) {
        return check(reader.apply(text.strip()));
    }

    /** Checks a value given by code: of this type, not null, and keeping the rule. */
    T check(Object value) {
        if (value == null) {
            throw new IllegalArgumentException("must be given");
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("must be of type " + type.getSimpleName() + " (" + description + ")");
        }
        T typed = type.cast(value);
        rule.accept(typed);
        return typed;
    }

    private static Kind<String> text(String description, Consumer<String> rule) {
        return new Kind<>(description, String.class, Function.identity(), rule);
    }

    private static Kind<Integer> integer(String description, Consumer<Integer> rule) {
        return new Kind<>(description, Integer.class, Kind::integer, rule);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static int integer(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("is not an integer");
        }
    }

    private static Boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> Boolean.TRUE;
            case "false", "no", "0" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    private static Integer gpuLayers(String value) {
        if (value.equalsIgnoreCase("all")) {
            return -1;
        }
        int n = integer(value);
        require(n >= 0, "must be all or >= 0");
        return n;
    }

    private static List<String> prefixes(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(p -> !p.isEmpty()).toList();
    }
}
