package dev.parley.client.batch;

import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import tools.jackson.databind.node.ObjectNode;

/** The result and error files of one batch run, written in the run's {@link BatchOutputFormat}. */
final class BatchOutput implements AutoCloseable {

    private final BatchOutputFormat format;
    private final Writer results;
    private final Writer failures;

    private BatchOutput(BatchOutputFormat format, Writer results, Writer failures) {
        this.format = format;
        this.results = results;
        this.failures = failures;
    }

    /** Opens both files for appending: a resumed run adds to what an earlier run wrote. */
    static BatchOutput open(BatchOutputFormat format, Path output, Path errors) throws IOException {
        Writer results = appendTo(output);
        try {
            return new BatchOutput(format, results, appendTo(errors));
        } catch (IOException | RuntimeException e) {
            results.close();
            throw e;
        }
    }

    void result(BatchLine line, Reply reply) {
        writeLine(results, resultLine(line, reply));
    }

    void error(String customId, String requestId, long lineNumber, String code, String message) {
        writeLine(failures, errorLine(customId, requestId, lineNumber, code, message));
    }

    private String resultLine(BatchLine line, Reply reply) {
        if (format == BatchOutputFormat.OPENAI) {
            return OpenAiLines.result(line, reply, System.currentTimeMillis() / 1000);
        }
        ObjectNode json = WireJson.mapper().createObjectNode();
        json.put("custom_id", line.customId());
        json.put("conversation_id", reply.conversationId());
        json.put("request_id", reply.requestId());
        json.set("response", WireJson.mapper().valueToTree(reply));
        return WireJson.toString(json);
    }

    private String errorLine(String customId, String requestId, long lineNumber, String code, String message) {
        if (format == BatchOutputFormat.OPENAI) {
            return OpenAiLines.error(customId, requestId, lineNumber, code, message);
        }
        ObjectNode json = WireJson.mapper().createObjectNode();
        if (customId != null) {
            json.put("custom_id", customId);
        }
        json.put("line", lineNumber);
        json.putObject("error").put("code", code).put("message", message == null ? "" : message);
        return WireJson.toString(json);
    }

    private static Writer appendTo(Path file) throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static void writeLine(Writer writer, String line) {
        synchronized (writer) {
            try {
                writer.write(line);
                writer.write('\n');
                writer.flush(); // each result reaches the file as it completes: a kill loses nothing answered
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        try (results) {
            failures.close();
        }
    }
}
