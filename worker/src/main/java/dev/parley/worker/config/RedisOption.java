package dev.parley.worker.config;

import java.util.Locale;

/**
 * Redis connection options beyond the URI, given as {@code redis.<key>} in a properties file,
 * {@code PARLEY_REDIS_<KEY>} in the environment or {@code --redis-option key=value}.
 */
public enum RedisOption {
    USER("user", "ACL user name (AUTH user password)."),
    PASSWORD("password", "Password (requirepass or ACL); overrides one in the URI."),
    DATABASE("database", "Database number."),
    SSL("ssl", "true to connect with TLS (same as a rediss:// URI)."),
    TRUSTSTORE("truststore", "PKCS12 or JKS trust store with the server's CA, for TLS."),
    TRUSTSTORE_PASSWORD("truststore-password", "Password of the trust store."),
    CONNECT_TIMEOUT("connect-timeout", "Connect timeout, e.g. 2s."),
    SOCKET_TIMEOUT("socket-timeout", "Read timeout, e.g. 2s.");

    private final String key;
    private final String description;

    RedisOption(String key, String description) {
        this.key = key;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String description() {
        return description;
    }

    public String envVar() {
        return "PARLEY_REDIS_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The option with this key, or {@code null}. */
    public static RedisOption byKey(String key) {
        for (RedisOption option : values()) {
            if (option.key.equals(key)) {
                return option;
            }
        }
        return null;
    }
}
