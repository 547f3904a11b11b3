package dev.parley.worker.history;

import dev.parley.worker.config.Durations;
import dev.parley.worker.config.RedisOption;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * Builds a Jedis client from a {@code redis://} or {@code rediss://} URI plus {@link RedisOption}s (which win over
 * what the URI says): ACL user and password, database, TLS with an optional trust store, timeouts.
 */
public final class RedisConnector {

    private static final int DEFAULT_TIMEOUT_MS = 2000;

    private RedisConnector() {
    }

    public static RedisClient connect(String uri, Map<RedisOption, String> options) {
        URI parsed = URI.create(uri);
        boolean ssl = "rediss".equalsIgnoreCase(parsed.getScheme());
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(DEFAULT_TIMEOUT_MS)
                .socketTimeoutMillis(DEFAULT_TIMEOUT_MS)
                .clientName("parley");
        String userInfo = parsed.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? null : decode(userInfo.substring(0, colon));
            String password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            if (user != null && !user.isEmpty()) {
                config.user(user);
            }
            config.password(password);
        }
        String path = parsed.getPath();
        if (path != null && path.length() > 1) {
            config.database(Integer.parseInt(path.substring(1)));
        }
        for (Map.Entry<RedisOption, String> option : options.entrySet()) {
            String value = option.getValue();
            switch (option.getKey()) {
                case USER -> config.user(value);
                case PASSWORD -> config.password(value);
                case DATABASE -> config.database(integer(option.getKey(), value));
                case SSL -> ssl = Boolean.parseBoolean(value);
                case CONNECT_TIMEOUT -> config.connectionTimeoutMillis(millis(option.getKey(), value));
                case SOCKET_TIMEOUT -> config.socketTimeoutMillis(millis(option.getKey(), value));
                case TRUSTSTORE, TRUSTSTORE_PASSWORD -> { } // used below
                default -> throw new IllegalStateException("unhandled Redis option " + option.getKey());
            }
        }
        config.ssl(ssl);
        String truststore = options.get(RedisOption.TRUSTSTORE);
        if (truststore != null) {
            config.sslSocketFactory(socketFactory(Path.of(truststore), options.get(RedisOption.TRUSTSTORE_PASSWORD)));
        }
        int port = parsed.getPort() > 0 ? parsed.getPort() : 6379;
        return RedisClient.builder().hostAndPort(parsed.getHost(), port).clientConfig(config.build()).build();
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static int integer(RedisOption option, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("redis." + option.key() + "='" + value + "' is not an integer");
        }
    }

    private static int millis(RedisOption option, String value) {
        try {
            return Math.toIntExact(Durations.parse(value).toMillis());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("redis." + option.key() + "='" + value + "' is not a duration");
        }
    }

    private static SSLSocketFactory socketFactory(Path truststore, String password) {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, password == null ? null : password.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("redis.truststore='" + truststore + "' cannot be used: " + e.getMessage(), e);
        }
    }
}
