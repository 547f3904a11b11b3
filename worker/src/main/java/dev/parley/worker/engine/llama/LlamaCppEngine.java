package dev.parley.worker.engine.llama;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.ParleyNativeAccess;
import de.kherud.llama.ParleyNativeAccess.NativeCallException;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.engine.ContextWindow;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.TranscriptSplitter;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The engine on java-llama.cpp: one loaded model, {@code slots} sequences decoded together by llama.cpp's server
 * loop (continuous batching). Each conversation is pinned to a slot ({@code id_slot}) so the next turn computes only
 * its new tokens; a conversation that lost its slot is re-prefilled from the transcript (its history).
 *
 * <p>The prompt is rendered with the model's chat template, tokenized here and sent as token ids, so the token
 * count in the reply is exactly what was evaluated and the context budget is checked before anything runs.
 */
public final class LlamaCppEngine implements InferenceEngine {

    private static final Logger log = LoggerFactory.getLogger(LlamaCppEngine.class);
    /** After an overflow, leave this much of the context free so the next turns keep their cached prefix. */
    private static final double HEADROOM = 0.25;
    /** Share of a slot's context a conversation may fill. */
    private static final double SLOT_BUDGET = 0.9;

    private final LlamaModel model;
    private final EngineInfo info;
    private final SlotAffinity slots;
    private final ContextWindow window;

    private LlamaCppEngine(LlamaModel model, EngineInfo info) {
        this.model = model;
        this.info = info;
        this.slots = new SlotAffinity(info.slots());
        // The slots share one KV cache; filling a slot to its last cell has failed decodes when the cache is
        // fragmented (and a failed decode fails every request in flight), so a slot is budgeted a little less.
        this.window = new ContextWindow((int) (info.contextPerSlot() * SLOT_BUDGET), HEADROOM);
    }

    /** Loads the model once; java-llama.cpp cannot free a model, so load one engine per process. */
    public static LlamaCppEngine load(LlamaEngineConfig config) {
        config.cacheType().requireFits(config.model());
        ModelParameters parameters = new ModelParameters()
                .setModel(config.model().toString())
                .setParallel(config.slots())
                .setCtxSize(config.slots() * config.contextPerSlot())
                .setThreads(config.threads())
                .setThreadsBatch(config.threads())
                .setCacheTypeK(config.cacheType().llamaType())
                .setCacheTypeV(config.cacheType().llamaType())
                .enableContBatching()
                .disableLog();
        if (config.cacheType().quantized()) {
            // llama.cpp refuses a quantized V cache without flash attention (with a misleading "could not load").
            parameters.enableFlashAttn();
        }
        if (config.gpuLayers() > 0) {
            parameters.setGpuLayers(config.gpuLayers());
        }
        long started = System.nanoTime();
        LlamaModel model;
        try {
            model = ParleyNativeAccess.load(parameters);
        } catch (NativeCallException e) {
            throw new EngineException("could not load model " + config.model() + ": " + e.getMessage(), e);
        }
        String name = config.model().getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        log.info("Loaded {} in {} ms: {} slots x {} tokens, {} threads, KV cache {}", name,
                (System.nanoTime() - started) / 1_000_000, config.slots(), config.contextPerSlot(), config.threads(),
                config.cacheType());
        return new LlamaCppEngine(model, new EngineInfo(name, config.slots(), config.contextPerSlot()));
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    /** Conversations holding a slot now. */
    @Override
    public int warmConversations() {
        return slots.warmConversations();
    }

    /** Slots generating now. */
    @Override
    public int busySlots() {
        return slots.busySlots();
    }

    /** Slot hand-overs; this engine keeps no snapshots. */
    @Override
    public KvCacheStats kvCacheStats() {
        return new KvCacheStats(slots.evictions(), 0, 0, 0, 0, 0, 0, 0);
    }

    /** How often a conversation lost its slot to another one. */
    public long evictions() {
        return slots.evictions();
    }

    /** The slot a conversation is pinned to, or -1 (for tests and diagnostics). */
    public int slotOf(String conversationId) {
        return slots.slotOf(conversationId);
    }

    /** Tokenizes text the way prompts are tokenized (control strings included). */
    public int[] tokenize(String text) {
        return model.encode(text);
    }

    /**
     * The prompt tokens of a transcript: the chat template's text is tokenized with control tokens recognised, each
     * message's content as plain text, so that a message containing {@code <|im_start|>system} cannot open a turn
     * of its own (prompt injection through the template's control strings).
     *
     * <p>java-llama.cpp 4.2.0 tokenizes only with control-token parsing on, so content is tokenized in pieces split
     * before every {@code <} and {@code [} (the first character of the control tokens of common chat templates):
     * no piece can hold a whole control string. Templates that change message text (trimming) are matched on the
     * trimmed text; content the template rewrote beyond that is refused ({@link TranscriptSplitter}).
     */
    public int[] tokenizeTranscript(Transcript transcript) {
        return TranscriptSplitter.tokenize(render(transcript), transcript.messages(), new TranscriptSplitter.Tokenizer() {
            @Override
            public int[] template(String text, boolean first) {
                return encode(text);
            }

            @Override
            public int[] content(String text) {
                return encodePlain(text);
            }
        }, info.model());
    }

    private int[] encode(String text) {
        return text.isEmpty() ? new int[0] : model.encode(text);
    }

    /** Tokenizes text so that no control string inside it becomes a control token. */
    private int[] encodePlain(String text) {
        IntList tokens = new IntList(text.length() / 3 + 4);
        int start = 0;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '<' || text.charAt(i) == '[') {
                String piece = text.substring(start, i);
                // A piece starting with '<' or '[' is cut after that character, so it cannot hold a whole control string.
                if (piece.length() > 1 && (piece.charAt(0) == '<' || piece.charAt(0) == '[')) {
                    tokens.addAll(encode(piece.substring(0, 1)));
                    tokens.addAll(encode(piece.substring(1)));
                } else {
                    tokens.addAll(encode(piece));
                }
                start = i;
            }
        }
        return tokens.toArray();
    }

    /** A growable int array (token lists are long and boxed integers would waste memory). */
    private static final class IntList {
        private int[] values;
        private int size;

        IntList(int capacity) {
            values = new int[Math.max(16, capacity)];
        }

        void addAll(int[] more) {
            if (size + more.length > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, size + more.length));
            }
            System.arraycopy(more, 0, values, size, more.length);
            size += more.length;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    /** The transcript rendered with the model's chat template, ending with the assistant's cue. */
    public String render(Transcript transcript) {
        ObjectNode request = WireJson.mapper().createObjectNode();
        ArrayNode messages = request.putArray("messages");
        for (ChatMessage message : transcript.messages()) {
            messages.addObject().put("role", message.role().wireName()).put("content", message.content());
        }
        return model.applyTemplate(WireJson.toString(request));
    }

    @Override
    public Generation generate(GenerationRequest request, TokenListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (!request.transcript().templateVariables().isEmpty()) {
            // java-llama.cpp renders its own way and takes no template variables: refuse rather than ignore them.
            throw new UnsupportedRequestException("unsupported_template_variables", "the java engine (java-llama.cpp) "
                    + "cannot pass chat_template_kwargs or reasoning_effort to the model's chat template; use the "
                    + "native engine (--engine native, the default)");
        }
        if (request.sampling().grammar() != null) {
            // The baseline engine is not brought up to par: refuse instead of answering unconstrained.
            throw new UnsupportedRequestException("unsupported_response_format", "the java engine (java-llama.cpp) "
                    + "does not support response_format json_object or json_schema; run the worker with the native "
                    + "engine (the default)");
        }
        if (!request.sampling().logitBias().isEmpty()) {
            throw new UnsupportedRequestException("unsupported_logit_bias", "the java engine (java-llama.cpp) does "
                    + "not support logit_bias; run the worker with the native engine (the default)");
        }
        if (request.sampling().n() > 1) {
            throw new UnsupportedRequestException("unsupported_feature", "the java engine (java-llama.cpp) does not "
                    + "generate several answers (n=" + request.sampling().n() + "); run the worker with the native "
                    + "engine (the default)");
        }
        if (request.sampling().logprobs() != null) {
            throw new UnsupportedRequestException("unsupported_feature", "the java engine (java-llama.cpp) does not "
                    + "report logprobs; run the worker with the native engine (the default)");
        }
        SlotAffinity.Lease lease;
        try {
            lease = slots.acquire(request.conversationId());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.parley.worker.engine.GenerationAbandonedException("interrupted while waiting for a free slot");
        }
        int[] slotContents = null;
        try {
            Sampling sampling = request.sampling();
            ContextWindow.Fitted fitted = window.fit(request.conversationId(), request.transcript(),
                    sampling.maxTokens(), this::tokenizeTranscript);
            int[] prompt = fitted.tokens();
            // llama.cpp always evaluates the last prompt token again, to get its logits.
            int cached = Math.max(0, Math.min(SlotAffinity.commonPrefix(lease.previousTokens(), prompt),
                    prompt.length - 1));
            Streamed streamed = stream(prompt, lease.slot(), sampling, request.deadline(), request.cancelled(), listener);
            int[] answer = model.encode(streamed.text());
            slotContents = concat(prompt, answer);
            return new Generation(streamed.text(), streamed.finishReason(), prompt.length, cached, 0,
                    streamed.tokens(), fitted.droppedTurns(), streamed.firstTokenNanos(), streamed.totalNanos(),
                    lease.warm() ? KvTier.IN_PLACE : KvTier.PREFILL);
        } finally {
            slots.release(lease, slotContents);
        }
    }

    private record Streamed(String text, int tokens, FinishReason finishReason, long firstTokenNanos, long totalNanos) {
    }

    private Streamed stream(int[] prompt, int slot, Sampling sampling, Instant deadline, BooleanSupplier cancelled,
                            TokenListener listener) {
        long start = System.nanoTime();
        int taskId;
        try {
            taskId = ParleyNativeAccess.requestCompletion(model, requestJson(prompt, slot, sampling));
        } catch (NativeCallException e) {
            throw new EngineException("llama.cpp refused the request: " + e.getMessage(), e);
        }
        StringBuilder text = new StringBuilder();
        int tokens = 0;
        long firstToken = -1;
        FinishReason finish = null;
        try {
            // Always read to the end or cancel from this thread: an abandoned stream makes other readers spin.
            while (true) {
                LlamaOutput output = ParleyNativeAccess.receiveCompletion(model, taskId);
                if (ParleyNativeAccess.isStop(output)) {
                    text.append(output.text); // empty in stream mode; kept in case a version sends a tail
                    break;
                }
                // In stream mode llama.cpp sends one output per generated token (text may be empty while it
                // holds back a possible stop string or an incomplete UTF-8 sequence).
                tokens++;
                if (firstToken < 0) {
                    firstToken = System.nanoTime() - start;
                }
                if (!output.text.isEmpty()) {
                    text.append(output.text);
                    listener.onText(output.text);
                }
                if (deadline != null && Instant.now().isAfter(deadline)) {
                    ParleyNativeAccess.cancelCompletion(model, taskId);
                    finish = FinishReason.DEADLINE;
                    break;
                }
                if (cancelled.getAsBoolean()) {
                    ParleyNativeAccess.cancelCompletion(model, taskId);
                    finish = FinishReason.CANCELLED;
                    break;
                }
            }
        } catch (NativeCallException e) {
            // The native side has already dropped the task; a failed decode fails every request in flight.
            throw new EngineException("generation failed: " + e.getMessage(), e);
        }
        if (finish == null) {
            finish = tokens >= sampling.maxTokens() ? FinishReason.LENGTH : FinishReason.STOP;
        }
        long total = System.nanoTime() - start;
        return new Streamed(text.toString(), tokens, finish, firstToken < 0 ? total : firstToken, total);
    }

    private static String requestJson(int[] prompt, int slot, Sampling sampling) {
        ObjectNode json = WireJson.mapper().createObjectNode();
        ArrayNode tokens = json.putArray("prompt");
        for (int token : prompt) {
            tokens.add(token);
        }
        json.put("id_slot", slot);
        json.put("cache_prompt", true);
        json.put("stream", true);
        json.put("n_predict", sampling.maxTokens());
        json.put("n_probs", 0); // n_probs > 0 aborts the JVM in java-llama.cpp 4.2.0
        if (sampling.temperature() != null) {
            json.put("temperature", sampling.temperature());
        }
        if (sampling.topP() != null) {
            json.put("top_p", sampling.topP());
        }
        if (sampling.topK() != null) {
            json.put("top_k", sampling.topK());
        }
        if (sampling.seed() != null) {
            json.put("seed", sampling.seed());
        }
        if (sampling.minP() != null) {
            json.put("min_p", sampling.minP());
        }
        // the native engine's defaults, so that both engines answer alike (llama-server's repeat penalty is 1)
        Sampling.Penalties penalties = sampling.penalties();
        json.put("repeat_last_n", 64);
        json.put("repeat_penalty", penalties.repeat() == null ? 1.1 : penalties.repeat());
        json.put("presence_penalty", penalties.presence() == null ? 0 : penalties.presence());
        json.put("frequency_penalty", penalties.frequency() == null ? 0 : penalties.frequency());
        if (!sampling.stop().isEmpty()) {
            ArrayNode stop = json.putArray("stop");
            sampling.stop().forEach(stop::add);
        }
        return WireJson.toString(json);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /**
     * Stops accepting work. The native model is deliberately not closed: java-llama.cpp's close frees nothing and
     * hangs threads still waiting on it; the memory goes back when the process exits.
     */
    @Override
    public void close() {
        log.debug("Engine for {} closed (native model is released at process exit)", info.model());
    }
}
