package dev.parley.gateway.conversation;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.openai.ChatRequest;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Maps stateless OpenAI requests, which resend the whole history every turn, onto Parley conversations, whose
 * history lives with the workers (so the KV cache stays warm and only new tokens are computed).
 *
 * <p>The rules (docs/gateway.md):
 * <ol>
 *   <li>The base conversation is the {@code X-Parley-Conversation-Id} header, or else a digest of the system prompt
 *       and the first user message; either is prefixed by the tenant ({@link ConversationIds}), so no key reaches another's conversations.</li>
 *   <li>If the gateway answered the request's history before (up to its last assistant message), the conversation it
 *       went to is looked up in the {@link ConversationIndex}; that may be a fork of the base.</li>
 *   <li>That conversation's stored history is read. If it is a prefix of the request's messages (and the system
 *       prompt is the same), only the remaining tail is sent as the turn; a history the worker has trimmed is
 *       compared with the stretch of the request just before its tail. If it is empty, the request seeds it (its
 *       last {@value #MAX_SEED} messages at most).
 *       Otherwise the request diverged (an edited or regenerated turn): it goes to a new conversation
 *       {@code <base>~<random>} seeded with the request's history, and the old one is left as it was.</li>
 * </ol>
 * Without Redis every request seeds a fresh conversation: correct answers, no warm cache.
 */
public final class ConversationResolver {

    /** The header naming the conversation. */
    public static final String HEADER = "X-Parley-Conversation-Id";
    /** What a conversation name (the header, a prompt cache key) may be. */
    public static final String HEADER_PATTERN = "[A-Za-z0-9._:-]{1,128}";
    /** The most messages one prompt carries (prompt.v1.json {@code messages.maxItems}). */
    public static final int MAX_SEED = 64;

    private final HistoryReader history;
    private final ConversationIndex index;
    private final RandomGenerator random;

    /**
     * @param history the stored histories, or {@code null} without Redis
     * @param index   where forks are remembered, or {@code null} without Redis
     */
    public ConversationResolver(HistoryReader history, ConversationIndex index, RandomGenerator random) {
        this.history = history;
        this.index = index;
        this.random = Objects.requireNonNull(random, "random");
    }

    public ConversationResolver(HistoryReader history, ConversationIndex index) {
        this(history, index, new SecureRandom());
    }

    public ResolvedTurn resolve(Tenant tenant, ChatRequest request, String headerId) {
        String base = baseId(tenant, request, headerId);
        List<ChatMessage> messages = request.messages();
        if (history == null) {
            return new ResolvedTurn(fork(base), request.system(), seed(messages), ResolvedTurn.Kind.NEW);
        }
        String candidate = base;
        int lastAnswer = lastAssistant(messages);
        if (lastAnswer >= 0 && index != null) {
            String hit = index.lookup(tenant.name(), digest(tenant, request.system(), messages.subList(0, lastAnswer + 1)));
            if (hit != null && (hit.equals(base) || hit.startsWith(base + "~"))) {
                candidate = hit;
            }
        }
        List<StoredTurn> stored = history.load(candidate);
        if (stored.isEmpty()) {
            return new ResolvedTurn(candidate, request.system(), seed(messages), ResolvedTurn.Kind.NEW);
        }
        int tail = continuation(candidate, stored, request, lastAnswer);
        if (tail >= 0) {
            return new ResolvedTurn(candidate, null, messages.subList(tail, messages.size()), ResolvedTurn.Kind.CONTINUED);
        }
        return new ResolvedTurn(fork(base), request.system(), seed(messages), ResolvedTurn.Kind.FORKED);
    }

    /**
     * Where the request's new messages start when it continues the stored history, or -1. The stored history is a
     * prefix of the request while it is whole; once the worker has trimmed its oldest turns (history-max-turns,
     * history-max-bytes) it is what the request holds just before its tail, so only that stretch is compared.
     */
    private int continuation(String conversationId, List<StoredTurn> stored, ChatRequest request, int lastAnswer) {
        List<ChatMessage> messages = request.messages();
        List<ChatMessage> flat = flatten(stored);
        boolean trimmed = stored.get(0).turn() > 1;
        String system = effectiveSystem(stored);
        if (system == null && trimmed) {
            system = history.system(conversationId); // the turn that set it may be trimmed; the worker keeps it
        }
        if (!Objects.equals(system, request.system()) || flat.size() >= messages.size()) {
            return -1;
        }
        if (messages.subList(0, flat.size()).equals(flat)) {
            return flat.size();
        }
        int start = lastAnswer + 1 - flat.size();
        if (trimmed && start > 0 && messages.subList(start, lastAnswer + 1).equals(flat)) {
            return lastAnswer + 1;
        }
        return -1;
    }

    /**
     * The messages a new or forked conversation is seeded with: the request's, or their last {@link #MAX_SEED}
     * (from a user message on) when there are more, as the prompt schema takes at most that many. The worker would
     * keep no more of them than its history bounds allow anyway.
     */
    public static List<ChatMessage> seed(List<ChatMessage> messages) {
        if (messages.size() <= MAX_SEED) {
            return messages;
        }
        int from = messages.size() - MAX_SEED;
        while (from < messages.size() - 1 && messages.get(from).role() != Role.USER) {
            from++;
        }
        return messages.subList(from, messages.size());
    }

    /**
     * Records that {@code conversationId} now holds the request's history followed by {@code answer}, so the next
     * turn (which resends both) finds it.
     */
    public void remember(Tenant tenant, ChatRequest request, ChatMessage answer, String conversationId) {
        if (index == null) {
            return;
        }
        List<ChatMessage> after = new ArrayList<>(request.messages());
        after.add(answer);
        index.record(tenant.name(), digest(tenant, request.system(), after), conversationId);
    }

    static String baseId(Tenant tenant, ChatRequest request, String headerId) {
        if (headerId != null) {
            if (!headerId.matches(HEADER_PATTERN)) {
                throw OpenAiException.invalidParam(HEADER, HEADER + " must match " + HEADER_PATTERN);
            }
            return ConversationIds.header(tenant.name(), headerId);
        }
        String firstUser = request.messages().stream().filter(m -> m.role() == Role.USER).findFirst()
                .map(ChatMessage::content).orElse("");
        String seed = (request.system() == null ? "" : request.system()) + "\u0000" + firstUser;
        return ConversationIds.derived(tenant.name(), sha256(seed).substring(0, 24));
    }

    private String fork(String base) {
        return base + "~" + HexFormat.of().toHexDigits(random.nextInt());
    }

    private static int lastAssistant(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == Role.ASSISTANT) {
                return i;
            }
        }
        return -1;
    }

    /** The history as the client sees it: each turn's messages, then its answer. */
    static List<ChatMessage> flatten(List<StoredTurn> turns) {
        List<ChatMessage> flat = new ArrayList<>();
        for (StoredTurn turn : turns) {
            flat.addAll(turn.messages());
            flat.add(turn.answerMessage());
        }
        return flat;
    }

    private static String effectiveSystem(List<StoredTurn> turns) {
        String system = null;
        for (StoredTurn turn : turns) {
            if (turn.system() != null) {
                system = turn.system();
            }
        }
        return system;
    }

    static String digest(Tenant tenant, String system, List<ChatMessage> messages) {
        StringBuilder text = new StringBuilder();
        append(text, tenant.name());
        append(text, system == null ? "\u0001" : system);
        for (ChatMessage message : messages) {
            append(text, message.role().wireName());
            append(text, message.content() == null ? "\u0001" : message.content());
            if (message.concernsTools()) {
                appendToolParts(text, message);
            }
        }
        return sha256(text.toString());
    }

    /** A tool call's id, name and arguments, or the call a tool result answers: part of what the client saw. */
    private static void appendToolParts(StringBuilder text, ChatMessage message) {
        append(text, message.toolCallId() == null ? "\u0001" : message.toolCallId());
        for (var call : message.toolCalls() == null ? java.util.List.<dev.parley.schemas.ToolCall>of()
                : message.toolCalls()) {
            append(text, call.id());
            append(text, call.name());
            append(text, call.arguments());
        }
    }

    /** Length-prefixed, so no two different histories give the same text. */
    private static void append(StringBuilder text, String part) {
        text.append(part.length()).append(':').append(part);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
