package dev.parley.schemas.validation;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Role;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.ResponseGrammar;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;

/**
 * Turns the raw bytes of a prompt record into a {@link Prompt} or a {@link Rejection} that names what is wrong.
 * It never throws on bad input: whatever arrives on the topic, the worker gets an answer it can act on. A failure no
 * check foresaw (a bug) becomes a rejection with {@link RejectionCode#INTERNAL_ERROR} naming the exception, so one
 * record can only ever hurt itself.
 */
public final class PromptDecoder {

    /** Kafka's default maximum message size. */
    public static final int DEFAULT_MAX_BYTES = 1_048_576;

    private static final int MAX_REPORTED_VIOLATIONS = 5;
    /** Longest exception message quoted in an {@code internal_error} reason. */
    private static final int MAX_QUOTED_MESSAGE = 500;

    private final int maxBytes;
    private final WireSchema schema;
    private final OversizedCollections oversizedCollections = new OversizedCollections();
    private final ObjectReader treeReader;
    private final PromptCheck check;

    public PromptDecoder(int maxBytes) {
        this(maxBytes, null);
    }

    private PromptDecoder(int maxBytes, PromptCheck check) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.schema = WireSchema.load(WireSchema.PROMPT_V1);
        this.treeReader = WireJson.mapper().reader()
                .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.check = check;
    }

    public PromptDecoder() {
        this(DEFAULT_MAX_BYTES);
    }

    /**
     * A decoder that also applies {@code check} to every prompt that passes the checks of this one (its own and those
     * added before, which go first).
     */
    public PromptDecoder checking(PromptCheck check) {
        java.util.Objects.requireNonNull(check, "check");
        PromptCheck before = this.check;
        return new PromptDecoder(maxBytes, before == null ? check : prompt -> {
            Rejection first = before.check(prompt);
            return first != null ? first : check.check(prompt);
        });
    }

    /** The outcome of decoding one record. */
    public sealed interface Result permits Accepted, Rejected {
    }

    /**
     * A prompt to answer.
     *
     * @param prompt  the decoded prompt
     * @param grammar its response format with the grammar built (built once here, so the turn need not build it)
     */
    public record Accepted(Prompt prompt, ResponseGrammar grammar) implements Result {
        public Accepted {
            java.util.Objects.requireNonNull(prompt, "prompt");
            java.util.Objects.requireNonNull(grammar, "grammar");
        }
    }

    /**
     * A record not to answer as asked.
     *
     * @param rejection why
     * @param prompt    the decoded prompt when only a {@linkplain #checking(PromptCheck) consumer's own check} refused
     *                  it: it passed every other check (its key is its conversation id), so its request id and reply_to
     *                  can be trusted to tell the sender of the refusal; {@code null} for a record that did not decode
     *                  or failed a check of every consumer
     */
    public record Rejected(Rejection rejection, Prompt prompt) implements Result {

        public Rejected(Rejection rejection) {
            this(rejection, null);
        }
    }

    /**
     * Decodes a record value.
     *
     * @param key   the record key as text, or {@code null} when the record has none
     * @param value the record value
     * @return never {@code null}; this method does not throw
     */
    public Result decode(String key, byte[] value) {
        try {
            return decodeChecked(key, value);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug, not bad input: still an answer, so the record is dead-lettered and its batch goes on.
            return reject(RejectionCode.INTERNAL_ERROR, null, "decoding failed unexpectedly: " + failure(e));
        }
    }

    /** The record's bytes as a JSON tree: not empty, within the size limit, UTF-8, JSON. */
    private Result decodeChecked(String key, byte[] value) {
        if (value == null || value.length == 0) {
            return reject(RejectionCode.INVALID_JSON, null, "record value is empty; expected a prompt JSON object");
        }
        if (value.length > maxBytes) {
            return reject(RejectionCode.TOO_LARGE, null,
                    "record value is " + value.length + " bytes, over the maximum of " + maxBytes);
        }
        String text;
        try {
            text = strictUtf8(value);
        } catch (CharacterCodingException e) {
            return reject(RejectionCode.INVALID_UTF8, null, "record value is not valid UTF-8: " + describe(e, value));
        }
        JsonNode tree;
        try {
            tree = treeReader.readTree(text);
        } catch (JacksonException e) {
            return reject(RejectionCode.INVALID_JSON, null, "record value is not valid JSON: " + e.getOriginalMessage()
                    + location(e));
        }
        return decodeTree(key, tree);
    }

    /** The JSON tree as a {@link Prompt}: collections within their limits, valid against the schema, bindable. */
    private Result decodeTree(String key, JsonNode tree) {
        // Before the schema: the validator builds one error per bad member, which for a huge array takes seconds.
        Violation oversized = oversizedCollections.check(tree);
        if (oversized != null) {
            return reject(RejectionCode.SCHEMA_VIOLATION, oversized.field(), oversized.message());
        }
        List<Violation> violations = schema.validate(tree);
        if (!violations.isEmpty()) {
            String reason = violations.stream().limit(MAX_REPORTED_VIOLATIONS).map(Violation::message)
                    .collect(Collectors.joining("; "));
            if (violations.size() > MAX_REPORTED_VIOLATIONS) {
                reason += "; and " + (violations.size() - MAX_REPORTED_VIOLATIONS) + " more";
            }
            return reject(RejectionCode.SCHEMA_VIOLATION, violations.get(0).field(), reason);
        }
        Prompt prompt;
        try {
            prompt = WireJson.mapper().treeToValue(tree, Prompt.class);
        } catch (JacksonException | IllegalArgumentException e) {
            return reject(RejectionCode.INVALID_VALUE, fieldOf(e), "unusable value: " + rootMessage(e));
        }
        return checkPrompt(key, prompt);
    }

    /** The rules the schema cannot express: what is answered, tools, response format, the record key. */
    private Result checkPrompt(String key, Prompt prompt) {
        List<ChatMessage> messages = prompt.messages();
        int last = messages.size() - 1;
        Role lastRole = messages.get(last).role();
        if (lastRole != Role.USER && lastRole != Role.TOOL) {
            return reject(RejectionCode.INVALID_VALUE, "$.messages[" + last + "].role",
                    "$.messages[" + last + "].role: the last message is the one answered and must have role 'user' "
                            + "(or 'tool', a tool's result), got '" + lastRole.wireName() + "'");
        }
        Rejection tools = ToolDefinitions.check(prompt);
        if (tools != null) {
            return new Rejected(tools);
        }
        ResponseFormats.Outcome format = ResponseFormats.build(prompt);
        if (format.rejection() != null) {
            return new Rejected(format.rejection());
        }
        Rejection wrongKey = keyRejection(key, prompt);
        if (wrongKey != null) {
            return new Rejected(wrongKey);
        }
        Rejection refused = check == null ? null : check.check(prompt);
        return refused != null ? new Rejected(refused, prompt) : new Accepted(prompt, format.grammar());
    }

    /** Why the record key does not route this prompt to its conversation, or {@code null} when it does. */
    private static Rejection keyRejection(String key, Prompt prompt) {
        if (key == null) {
            return new Rejection(RejectionCode.MISSING_KEY, null,
                    "record has no key; it must equal conversation_id '" + Values.quote(prompt.conversationId()) + "'");
        }
        if (!key.equals(prompt.conversationId())) {
            return new Rejection(RejectionCode.KEY_MISMATCH, "$.conversation_id",
                    "record key '" + Values.quote(key) + "' differs from $.conversation_id '"
                            + Values.quote(prompt.conversationId()) + "'");
        }
        return null;
    }

    private static Result reject(RejectionCode code, String field, String reason) {
        return new Rejected(new Rejection(code, field, reason));
    }

    private static String strictUtf8(byte[] value) throws CharacterCodingException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer chars = decoder.decode(ByteBuffer.wrap(value));
        return chars.toString();
    }

    private static String describe(CharacterCodingException e, byte[] value) {
        if (e instanceof MalformedInputException malformed) {
            int offset = firstMalformedOffset(value);
            if (offset >= 0) {
                return String.format("malformed byte 0x%02X at offset %d", value[offset] & 0xFF, offset);
            }
            return "malformed sequence of " + malformed.getInputLength() + " byte(s)";
        }
        return e.toString();
    }

    /** Finds the offset of the first byte that cannot start or continue a UTF-8 sequence. */
    private static int firstMalformedOffset(byte[] value) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(value);
        CharBuffer out = CharBuffer.allocate(value.length + 1);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : -1;
    }

    /** The exception's class and message, the message cut short: a reason must stay small whatever the input. */
    static String failure(Throwable e) {
        String message = e.getMessage();
        if (message != null && message.length() > MAX_QUOTED_MESSAGE) {
            message = message.substring(0, MAX_QUOTED_MESSAGE) + "...";
        }
        return e.getClass().getName() + (message == null ? "" : ": " + message);
    }

    private static String location(JacksonException e) {
        var loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 0) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    private static String fieldOf(Exception e) {
        if (e instanceof tools.jackson.databind.DatabindException databind && !databind.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder("$");
            for (var ref : databind.getPath()) {
                if (ref.getPropertyName() != null) {
                    path.append('.').append(ref.getPropertyName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            return path.toString();
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String field = e instanceof Exception ex ? fieldOf(ex) : null;
        String message = cause instanceof JacksonException jackson ? jackson.getOriginalMessage() : cause.getMessage();
        return field == null ? message : field + ": " + message;
    }
}
