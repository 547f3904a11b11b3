package dev.parley.testkit.redis;

import dev.parley.testkit.Ports;
import dev.parley.testkit.tls.TlsMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} process on a loopback port, without persistence. The binary is
 * {@code $PARLEY_REDIS_SERVER}, else {@code redis-server} on the PATH, else the Linux x86-64 binary carried by the
 * {@code embedded-redis} artifact. {@link #stop()} and {@link #start()} keep the port, so tests can simulate an outage.
 */
public final class RedisServer implements AutoCloseable {

    /** Environment variable naming a redis-server binary. */
    public static final String BINARY_ENV = "PARLEY_REDIS_SERVER";

    private static final Logger log = LoggerFactory.getLogger(RedisServer.class);
    private static final String EMBEDDED_BINARY = "redis-server-6.2.6-v5-linux-amd64";
    private static final long START_TIMEOUT_MS = 10_000;

    private final Path binary;
    private final int port;
    private final String password;
    private final Path workDir;
    private final TlsMaterial tls;
    private boolean persistent;
    private Process process;

    private RedisServer(Path binary, int port, String password, Path workDir, TlsMaterial tls) {
        this.binary = binary;
        this.port = port;
        this.password = password;
        this.workDir = workDir;
        this.tls = tls;
    }

    /** Starts a server on a free port. */
    public static RedisServer launch() {
        return launch(null);
    }

    /** Starts a server on a free port that requires {@code password} ({@code requirepass}), or none if null. */
    public static RedisServer launch(String password) {
        return launch(password, null);
    }

    /**
     * Starts a server that speaks only TLS (with {@code tls}' server certificate; clients are not asked for
     * certificates) and, when {@code password} is given, requires it.
     */
    public static RedisServer launch(String password, TlsMaterial tls) {
        return launch(password, tls, false);
    }

    private static RedisServer launch(String password, TlsMaterial tls, boolean persistent) {
        try {
            Path workDir = Files.createTempDirectory("parley-redis-");
            RedisServer server = new RedisServer(locateBinary(System.getenv(), workDir), Ports.freePort(), password,
                    workDir, tls);
            server.persistent = persistent;
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a redis-server", e);
        }
    }

    /**
     * Starts a server that keeps its data across {@link #stop()} and {@link #start()} (append-only file, fsync every
     * write), for outage drills.
     */
    public static RedisServer launchPersistent() {
        RedisServer server = launch(null, null, true);
        return server;
    }

    /** {@code redis://127.0.0.1:port} (with the password when there is one). */
    public String uri() {
        String scheme = tls == null ? "redis://" : "rediss://";
        return password == null ? scheme + "127.0.0.1:" + port : scheme + ":" + password + "@127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path binary() {
        return binary;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the server (again), on the same port. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "--port", tls == null ? String.valueOf(port) : "0", "--bind", "127.0.0.1",
                "--save", "", "--appendonly", persistent ? "yes" : "no", "--appendfsync", "always", "--daemonize", "no",
                "--dir", workDir.toString(), "--loglevel", "warning"));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        if (tls != null) {
            command.addAll(List.of("--tls-port", String.valueOf(port),
                    "--tls-cert-file", tls.serverCertificatePem().toString(),
                    "--tls-key-file", tls.serverKeyPem().toString(),
                    "--tls-ca-cert-file", tls.caCertificatePem().toString(),
                    "--tls-auth-clients", "no"));
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        awaitPing();
        log.info("redis-server up at 127.0.0.1:{} ({})", port, binary);
    }

    /** Stops the server; data is lost (there is no persistence). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
        try (var files = Files.walk(workDir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.debug("could not delete {}", workDir, e);
        }
    }

    private void awaitPing() {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(binary + " exited with " + process.exitValue() + ": " + logTail());
            }
            if (answersPing()) {
                return;
            }
            try {
                Thread.sleep(20); // polling a child process that gives no readiness signal
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for redis-server", e);
            }
        }
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
                + START_TIMEOUT_MS + " ms: " + logTail());
    }

    private boolean answersPing() {
        try (Socket socket = tls == null ? new Socket() : tls.clientContext().getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            if (password != null) {
                out.write(("AUTH " + password + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            out.write("PING\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            byte[] buffer = new byte[64];
            InputStream in = socket.getInputStream();
            int n = in.read(buffer);
            String answer = n > 0 ? new String(buffer, 0, n, StandardCharsets.UTF_8) : "";
            return answer.contains("PONG") || (password != null && answer.startsWith("+OK") && readMore(in).contains("PONG"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String readMore(InputStream in) throws IOException {
        byte[] buffer = new byte[64];
        int n = in.read(buffer);
        return n > 0 ? new String(buffer, 0, n, StandardCharsets.UTF_8) : "";
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(workDir.resolve("redis.log"));
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Finds a redis-server binary; see the class comment for the order. */
    static Path locateBinary(Map<String, String> env, Path workDir) throws IOException {
        String configured = env.get(BINARY_ENV);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException(BINARY_ENV + "=" + configured + " is not an executable file");
            }
            return path;
        }
        String pathVariable = Objects.requireNonNullElse(env.get("PATH"), "/usr/local/bin:/usr/bin:/bin");
        for (String dir : pathVariable.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return extractEmbedded(workDir);
    }

    private static Path extractEmbedded(Path workDir) throws IOException {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IllegalStateException("no redis-server found: install it (e.g. apt-get install redis-server) or set "
                    + BINARY_ENV + " (the bundled fallback binary is for Linux x86-64 only)");
        }
        Path target = workDir.resolve("redis-server");
        try (InputStream in = RedisServer.class.getClassLoader().getResourceAsStream(EMBEDDED_BINARY)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on the PATH and the embedded-redis artifact is missing; "
                        + "install redis-server or set " + BINARY_ENV);
            }
            Files.copy(in, target);
        }
        if (!target.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + target + " executable");
        }
        return target;
    }
}
