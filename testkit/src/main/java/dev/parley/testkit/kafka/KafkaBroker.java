package dev.parley.testkit.kafka;

import dev.parley.testkit.Ports;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker (broker and controller in one) running inside this JVM, built from Apache
 * Kafka's own server artifacts. It keeps its ports and log directory across {@link #stop()} and {@link #start()},
 * so a test can take the broker away and bring it back.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

    private final Path logDir;
    private final boolean ownsLogDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
    private final SecureListener secure;
    private final int securePort;
    private KafkaRaftServer server;

    /**
     * A second listener speaking SASL_SSL with the PLAIN mechanism, for clients that must authenticate.
     *
     * @param keyStore         PKCS12 key store with the broker's certificate
     * @param keyStorePassword its password
     * @param users            user name to password
     */
    public record SecureListener(Path keyStore, String keyStorePassword, Map<String, String> users) {
        public SecureListener {
            users = Map.copyOf(users);
        }
    }

    private KafkaBroker(Path logDir, boolean ownsLogDir, int brokerPort, int controllerPort,
                        Map<String, String> overrides, SecureListener secure, int securePort) {
        this.logDir = logDir;
        this.ownsLogDir = ownsLogDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.overrides = Map.copyOf(overrides);
        this.secure = secure;
        this.securePort = securePort;
    }

    /** Formats a fresh log directory and starts a broker on free loopback ports. */
    public static KafkaBroker launch() {
        return launch(Map.of());
    }

    /** Like {@link #launch()}, with extra broker properties. */
    public static KafkaBroker launch(Map<String, String> overrides) {
        return launch(overrides, null);
    }

    /** Like {@link #launch()}, plus a SASL_SSL listener at {@link #secureBootstrapServers()}. */
    public static KafkaBroker launchWithSaslSsl(SecureListener secure) {
        return launch(Map.of(), secure);
    }

    private static KafkaBroker launch(Map<String, String> overrides, SecureListener secure) {
        try {
            Path dir = Files.createTempDirectory("parley-kafka-");
            KafkaBroker broker = new KafkaBroker(dir, true, Ports.freePort(), Ports.freePort(), overrides, secure,
                    secure == null ? -1 : Ports.freePort());
            broker.format();
            broker.startServer();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a Kafka log directory", e);
        }
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** {@code host:port} of the SASL_SSL listener. */
    public String secureBootstrapServers() {
        if (secure == null) {
            throw new IllegalStateException("this broker has no SASL_SSL listener");
        }
        return "127.0.0.1:" + securePort;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Starts the broker again after {@link #stop()}, on the same port and data. */
    public synchronized void start() {
        if (server == null) {
            startServer();
        }
    }

    /** Stops the broker, keeping its data for a later {@link #start()}. */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    @Override
    public synchronized void close() {
        stop();
        if (ownsLogDir) {
            deleteQuietly(logDir);
        }
    }

    private Properties properties() {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.resolve("data").toString());
        if (secure != null) {
            props.put("listeners", props.get("listeners") + ",SECURE://127.0.0.1:" + securePort);
            props.put("advertised.listeners", props.get("advertised.listeners") + ",SECURE://127.0.0.1:" + securePort);
            props.put("listener.security.protocol.map", props.get("listener.security.protocol.map") + ",SECURE:SASL_SSL");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("sasl.enabled.mechanisms", "PLAIN");
            props.put("listener.name.secure.sasl.enabled.mechanisms", "PLAIN");
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            secure.users().forEach((user, password) ->
                    jaas.append(" user_").append(user).append("=\"").append(password).append("\""));
            props.put("listener.name.secure.plain.sasl.jaas.config", jaas.append(';').toString());
            props.put("listener.name.secure.ssl.keystore.location", secure.keyStore().toString());
            props.put("listener.name.secure.ssl.keystore.password", secure.keyStorePassword());
            props.put("listener.name.secure.ssl.keystore.type", "PKCS12");
        }
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // A test's consumer group should start at once, not after the default 3 s of waiting for members.
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        props.putAll(overrides);
        return props;
    }

    private void format() throws IOException {
        Properties props = properties();
        Path config = logDir.resolve("server.properties");
        try (Writer writer = Files.newBufferedWriter(config)) {
            props.store(writer, "Parley test kit broker");
        }
        KafkaConfig kafkaConfig = KafkaConfig.fromProps(props, false);
        var arguments = StorageTool.parseArguments(new String[] {
                "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()});
        StorageTool.runFormatCommand(arguments, kafkaConfig, new PrintStream(OutputStream.nullOutputStream()));
    }

    private void startServer() {
        long started = System.nanoTime();
        KafkaRaftServer raftServer = new KafkaRaftServer(KafkaConfig.fromProps(properties(), false), Time.SYSTEM);
        raftServer.startup();
        server = raftServer;
        log.info("Kafka broker up at {} in {} ms", bootstrapServers(), (System.nanoTime() - started) / 1_000_000);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("could not delete {}", dir, e);
        }
    }
}
