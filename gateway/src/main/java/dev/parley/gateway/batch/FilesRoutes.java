package dev.parley.gateway.batch;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

/** {@code POST /v1/files}, {@code GET /v1/files/{id}}, {@code GET /v1/files/{id}/content}. */
public final class FilesRoutes {

    private static final Set<String> PURPOSES = Set.of("batch");

    private final BatchStore store;
    private final Ids ids;
    private final Clock clock;

    FilesRoutes(BatchStore store, Ids ids, Clock clock) {
        this.store = store;
        this.ids = ids;
        this.clock = clock;
    }

    public void upload(HttpExchange exchange) throws IOException {
        Tenant tenant = exchange.attachment();
        MultipartForm form = MultipartForm.parse(exchange.contentType(), exchange.body());
        MultipartForm.Part purpose = form.part("purpose");
        if (purpose == null || !PURPOSES.contains(purpose.text().strip())) {
            throw OpenAiException.invalidParam("purpose", "purpose must be 'batch' (the only one Parley serves), got "
                    + (purpose == null ? "none" : "'" + purpose.text().strip() + "'"));
        }
        MultipartForm.Part file = form.part("file");
        if (file == null) {
            throw OpenAiException.invalidParam("file", "a file part is required");
        }
        String id = ids.next("file-");
        String filename = file.filename() == null ? "upload.jsonl" : file.filename();
        exchange.json(200, BatchObjects.file(save(tenant.name(), id, filename, purpose.text().strip(), file.content())));
    }

    /** Stores a file (uploads and batch outputs alike) and returns its fields. */
    Map<String, String> save(String tenant, String id, String filename, String purpose, byte[] content) {
        Map<String, String> fields = Map.of("id", id, "bytes", String.valueOf(content.length),
                "created_at", String.valueOf(clock.instant().getEpochSecond()), "filename", filename, "purpose", purpose);
        store.putFile(tenant, id, fields, content);
        return fields;
    }

    public void get(HttpExchange exchange) throws IOException {
        exchange.json(200, BatchObjects.file(require(exchange)));
    }

    public void content(HttpExchange exchange) throws IOException {
        Tenant tenant = exchange.attachment();
        require(exchange);
        byte[] content = store.fileContent(tenant.name(), exchange.pathParam("id"));
        exchange.send(200, "application/octet-stream", content == null ? new byte[0] : content);
    }

    private Map<String, String> require(HttpExchange exchange) {
        Tenant tenant = exchange.attachment();
        String id = exchange.pathParam("id");
        Map<String, String> fields = store.file(tenant.name(), id);
        if (fields.isEmpty()) {
            throw OpenAiException.notFound("file_id", "file_not_found", "No such File object: " + id);
        }
        return fields;
    }
}
