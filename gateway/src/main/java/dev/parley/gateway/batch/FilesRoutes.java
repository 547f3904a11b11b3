package dev.parley.gateway.batch;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/files}, {@code GET /v1/files}, {@code GET /v1/files/{id}}, {@code GET /v1/files/{id}/content} and
 * {@code DELETE /v1/files/{id}}. Uploads stream to Redis in chunks up to {@link StorageLimits#maxUploadBytes()} and
 * the tenant's room; downloads stream back in chunks. Every file expires.
 */
public final class FilesRoutes {

    private static final Set<String> PURPOSES = Set.of("batch");
    /** OpenAI's bounds on {@code expires_after[seconds]}: one hour to thirty days. */
    private static final long MIN_EXPIRY_SECONDS = 3600;
    private static final long MAX_EXPIRY_SECONDS = 30L * 24 * 3600;
    private static final int CHUNK = 1 << 20;

    private final BatchStore store;
    private final Ids ids;
    private final Clock clock;
    private final StorageLimits limits;

    FilesRoutes(BatchStore store, Ids ids, Clock clock, StorageLimits limits) {
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.limits = limits;
    }

    public void upload(HttpExchange exchange) throws IOException {
        String tenant = ((Tenant) exchange.attachment()).name();
        long now = now();
        long[] usage = store.usage(tenant, now);
        if (usage[0] >= limits.maxFiles()) {
            throw quota("the tenant holds " + usage[0] + " files, the most it may (delete some or let them expire)");
        }
        String id = ids.next("file-");
        // Until the upload is whole and counted, its bytes expire within the hour whatever happens to this request.
        UploadForm form = new UploadForm(store, tenant, id, now + MIN_EXPIRY_SECONDS,
                Math.min(limits.maxUploadBytes(), limits.maxBytes() - usage[1]), limits.maxUploadBytes());
        try {
            MultipartForm.parse(exchange.contentType(), exchange.bodyStream(), form);
            form.flush();
            String purpose = form.field("purpose");
            if (purpose == null || !PURPOSES.contains(purpose)) {
                throw OpenAiException.invalidParam("purpose", "purpose must be 'batch' (the only one Parley serves), got "
                        + (purpose == null ? "none" : "'" + purpose + "'"));
            }
            if (!form.hasFile()) {
                throw OpenAiException.invalidParam("file", "a file part is required");
            }
            long expiresAt = now + expirySeconds(form.field("expires_after[anchor]"), form.field("expires_after[seconds]"));
            String filename = form.filename() == null ? "upload.jsonl" : form.filename();
            exchange.json(200, BatchObjects.file(record(tenant, id, filename, purpose, form.bytes(), now, expiresAt, true)));
        } catch (RuntimeException | IOException e) {
            store.deleteFile(tenant, id);
            throw e;
        }
    }

    /** Counts and describes a file whose content is stored; refuses it (and the caller deletes it) over the quota. */
    private Map<String, String> record(String tenant, String id, String filename, String purpose, long bytes, long now,
                                       long expiresAt, boolean enforce) {
        long reserved = store.reserve(tenant, id, bytes, expiresAt, limits, enforce, now);
        if (reserved == -1) {
            throw quota("the tenant holds " + limits.maxFiles() + " files, the most it may");
        }
        if (reserved == -2) {
            throw quota("this file would take the tenant past its " + limits.maxBytes() + " bytes of files");
        }
        Map<String, String> fields = Map.of("id", id, "bytes", String.valueOf(bytes), "created_at", String.valueOf(now),
                "filename", filename, "purpose", purpose, "expires_at", String.valueOf(expiresAt));
        store.putFileFields(tenant, id, fields, expiresAt);
        return fields;
    }

    /**
     * Stores a batch's output or error file. It counts against the tenant's storage but is never refused: the
     * batch's results would be lost otherwise, and the tenant's next upload is refused instead.
     */
    Map<String, String> save(String tenant, String id, String filename, String purpose, byte[] content) {
        long now = now();
        long expiresAt = now + limits.fileTtl().toSeconds();
        for (int from = 0; from < content.length; from += CHUNK) {
            int length = Math.min(CHUNK, content.length - from);
            store.appendContent(tenant, id, java.util.Arrays.copyOfRange(content, from, from + length), length, expiresAt);
        }
        return record(tenant, id, filename, purpose, content.length, now, expiresAt, false);
    }

    private long expirySeconds(String anchor, String seconds) {
        long ttl = limits.fileTtl().toSeconds();
        if (anchor == null && seconds == null) {
            return ttl;
        }
        if (!"created_at".equals(anchor)) {
            throw OpenAiException.invalidParam("expires_after.anchor", "expires_after[anchor] must be 'created_at'");
        }
        long asked;
        try {
            asked = Long.parseLong(seconds == null ? "" : seconds.strip());
        } catch (NumberFormatException e) {
            asked = -1;
        }
        if (asked < MIN_EXPIRY_SECONDS || asked > MAX_EXPIRY_SECONDS) {
            throw OpenAiException.invalidParam("expires_after.seconds", "expires_after[seconds] must be an integer in ["
                    + MIN_EXPIRY_SECONDS + ", " + MAX_EXPIRY_SECONDS + "], got " + seconds);
        }
        return Math.min(asked, ttl);
    }

    public void list(HttpExchange exchange) throws IOException {
        String tenant = ((Tenant) exchange.attachment()).name();
        String purpose = exchange.query("purpose");
        List<Map<String, String>> files = new ArrayList<>();
        for (String id : store.fileIds(tenant, now())) {
            Map<String, String> fields = store.file(tenant, id);
            if (!fields.isEmpty() && (purpose == null || purpose.equals(fields.get("purpose")))) {
                files.add(fields);
            }
        }
        files.sort(Comparator.comparing((Map<String, String> f) -> Long.parseLong(f.get("created_at")))
                .thenComparing(f -> f.get("id")).reversed());
        List<Map<String, Object>> data = files.stream().map(BatchObjects::file).toList();
        exchange.json(200, Json.object("object", "list", "data", data,
                "first_id", data.isEmpty() ? null : data.get(0).get("id"),
                "last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id"), "has_more", false));
    }

    public void get(HttpExchange exchange) throws IOException {
        exchange.json(200, BatchObjects.file(require(exchange)));
    }

    public void delete(HttpExchange exchange) throws IOException {
        String tenant = ((Tenant) exchange.attachment()).name();
        String id = exchange.pathParam("id");
        require(exchange);
        store.deleteFile(tenant, id);
        exchange.json(200, Json.object("id", id, "object", "file", "deleted", true));
    }

    /** The content in chunks of a megabyte: a download never holds the whole file. */
    public void content(HttpExchange exchange) throws IOException {
        String tenant = ((Tenant) exchange.attachment()).name();
        String id = exchange.pathParam("id");
        require(exchange);
        long length = store.contentLength(tenant, id);
        exchange.startChunked(200, "application/octet-stream", length);
        if (length == 0) {
            exchange.writeChunk(true, new byte[0]);
            return;
        }
        for (long from = 0; from < length; from += CHUNK) {
            long to = Math.min(length, from + CHUNK) - 1;
            exchange.writeChunk(to == length - 1, store.contentRange(tenant, id, from, to));
        }
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

    static OpenAiException quota(String message) {
        return new OpenAiException(400, "invalid_request_error", null, "storage_quota_exceeded", message);
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    /** What an upload's parts became: small text fields, and the file appended to Redis as it arrives. */
    private static final class UploadForm implements MultipartForm.Handler {
        private static final int MAX_FIELD_BYTES = 1024;
        private final BatchStore store;
        private final String tenant;
        private final String id;
        private final long provisionalExpiry;
        private final long room;
        private final long maxUpload;
        private final Map<String, StringBuilder> fields = new java.util.HashMap<>();
        private final byte[] pending = new byte[CHUNK];
        private int pendingLength;
        private String filename;
        private boolean file;
        private long bytes;

        UploadForm(BatchStore store, String tenant, String id, long provisionalExpiry, long room, long maxUpload) {
            this.store = store;
            this.tenant = tenant;
            this.id = id;
            this.provisionalExpiry = provisionalExpiry;
            this.room = room;
            this.maxUpload = maxUpload;
        }

        @Override
        public MultipartForm.Sink part(String name, String filename) {
            if (name.equals("file")) {
                if (file) {
                    throw OpenAiException.invalidParam("file", "only one file part is allowed");
                }
                file = true;
                this.filename = filename;
                return this::append;
            }
            StringBuilder text = new StringBuilder();
            fields.put(name, text);
            return (chunk, offset, length) -> {
                if (text.length() + length > MAX_FIELD_BYTES) {
                    throw OpenAiException.invalidParam(name, "form field " + name + " is over " + MAX_FIELD_BYTES + " bytes");
                }
                text.append(new String(chunk, offset, length, StandardCharsets.UTF_8));
            };
        }

        private void append(byte[] chunk, int offset, int length) {
            bytes += length;
            if (bytes > maxUpload) {
                throw new OpenAiException(413, "invalid_request_error", "file", "file_too_large",
                        "the file is larger than " + maxUpload + " bytes, the most one upload may carry");
            }
            if (bytes > room) {
                throw quota("this file would take the tenant past its bytes of files (delete some or let them expire)");
            }
            while (length > 0) {
                int taken = Math.min(length, pending.length - pendingLength);
                System.arraycopy(chunk, offset, pending, pendingLength, taken);
                pendingLength += taken;
                offset += taken;
                length -= taken;
                if (pendingLength == pending.length) {
                    flush();
                }
            }
        }

        /** Appends what is buffered (a megabyte at a time, so a large upload is a few hundred Redis writes). */
        void flush() {
            if (pendingLength > 0) {
                store.appendContent(tenant, id, pending, pendingLength, provisionalExpiry);
                pendingLength = 0;
            }
        }

        String field(String name) {
            StringBuilder text = fields.get(name);
            return text == null ? null : text.toString().strip();
        }

        boolean hasFile() {
            return file;
        }

        String filename() {
            return filename;
        }

        long bytes() {
            return bytes;
        }
    }
}
