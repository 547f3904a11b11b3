package dev.parley.worker.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A worker process's trace for drills: one line per event, flushed at once so a SIGKILL loses at most the line being
 * written. {@code S <conversation> <request> <epoch-micros>} starts a generation, {@code E ...} ends it,
 * {@code R <count>} reports replays from the history so far, {@code K saved|restored <epoch-micros>} a KV snapshot.
 */
final class EventLog implements AutoCloseable {

    private final Writer writer;

    EventLog(Path file) {
        try {
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized void write(String kind, String... fields) {
        try {
            writer.write(kind + " " + String.join(" ", fields) + "\n");
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String now() {
        Instant now = Instant.now();
        return String.valueOf(now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000);
    }

    @Override
    public synchronized void close() throws IOException {
        writer.close();
    }
}
