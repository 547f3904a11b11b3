package dev.parley.models;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/** Downloads a URL to a file, following redirects (Hugging Face answers with one to its CDN). */
public class HttpDownloader {

    private final HttpClient client;

    public HttpDownloader() {
        this(HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build());
    }

    public HttpDownloader(HttpClient client) {
        this.client = client;
    }

    public void download(URI url, Path target) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(url).GET().build();
        HttpResponse<Path> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofFile(target,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + url, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException("GET " + url + " answered HTTP " + response.statusCode());
        }
    }
}
