package dev.parley.testkit.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority and a server certificate for {@code localhost} / {@code 127.0.0.1}, made with
 * the JDK's keytool (no OpenSSL needed): a PKCS12 key store for the Kafka broker, PEM files for redis-server and a
 * PKCS12 trust store for clients.
 */
public final class TlsMaterial {

    public static final String PASSWORD = "parley-test-store";

    private final Path dir;

    private TlsMaterial(Path dir) {
        this.dir = dir;
    }

    /** Makes the CA, the server key and its signed certificate in {@code dir}. */
    public static TlsMaterial create(Path dir) {
        TlsMaterial material = new TlsMaterial(dir);
        try {
            Files.createDirectories(dir);
            material.generate();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return material;
    }

    /** PKCS12 key store with the server's key and certificate chain (for the broker). */
    public Path serverKeyStore() {
        return dir.resolve("server.p12");
    }

    /** PKCS12 trust store holding the CA (for clients). */
    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    /** The server's certificate, PEM. */
    public Path serverCertificatePem() {
        return dir.resolve("server.pem");
    }

    /** The server's private key, PKCS#8 PEM. */
    public Path serverKeyPem() {
        return dir.resolve("server.key");
    }

    /** The CA certificate, PEM. */
    public Path caCertificatePem() {
        return dir.resolve("ca.pem");
    }

    /** An SSL context trusting the CA. */
    public SSLContext clientContext() {
        try (InputStream in = Files.newInputStream(trustStore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + trustStore(), e);
        }
    }

    private void generate() throws IOException {
        Path ca = dir.resolve("ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=parley-test-ca", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "2", "-ext", "bc:c", "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD,
                "-file", caCertificatePem().toString());
        keytool("-genkeypair", "-alias", "server", "-dname", "CN=localhost", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "2", "-keystore", serverKeyStore().toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        Path request = dir.resolve("server.csr");
        keytool("-certreq", "-alias", "server", "-keystore", serverKeyStore().toString(), "-storepass", PASSWORD,
                "-file", request.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD, "-rfc", "-validity", "2",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-infile", request.toString(),
                "-outfile", serverCertificatePem().toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCertificatePem().toString(),
                "-keystore", serverKeyStore().toString(), "-storepass", PASSWORD);
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", serverCertificatePem().toString(),
                "-keystore", serverKeyStore().toString(), "-storepass", PASSWORD);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCertificatePem().toString(),
                "-keystore", trustStore().toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        writePrivateKeyPem();
    }

    /** keytool cannot export a private key: Java can, as PKCS#8, which redis-server (OpenSSL) reads. */
    private void writePrivateKeyPem() throws IOException {
        try (InputStream in = Files.newInputStream(serverKeyStore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            Key key = store.getKey("server", PASSWORD.toCharArray());
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(serverKeyPem(), pem, StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot export the server key", e);
        }
    }

    private static void keytool(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + arguments[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running keytool", e);
        }
    }
}
