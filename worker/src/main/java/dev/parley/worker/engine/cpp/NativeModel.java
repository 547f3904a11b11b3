package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.TranscriptSplitter;
import dev.parley.worker.engine.UnsupportedRequestException;
import dev.parley.worker.engine.template.ReasoningMarkers;
import dev.parley.worker.engine.template.ReasoningStart;
import dev.parley.worker.engine.template.TemplateException;
import dev.parley.worker.engine.template.TranscriptTemplate;
import dev.parley.worker.engine.tools.ToolSyntax;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded GGUF model and its vocabulary: tokenization, detokenization and the model's chat template. Tokenizing
 * and detokenizing only read the vocabulary, so turn threads do it while the engine thread decodes.
 *
 * <p>Prompts are rendered with the model's own Jinja template ({@link TranscriptTemplate}); a model without one, or
 * with one Jinjava cannot render, falls back to {@code llama_chat_apply_template}'s built-in templates (said once,
 * at load).
 */
final class NativeModel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NativeModel.class);
    /** A name llama_chat_apply_template knows, for models without a template of their own. */
    private static final String FALLBACK_TEMPLATE = "chatml";

    private final LlamaLib llama;
    private final Pointer model;
    private final Pointer vocab;
    private final String template;
    private final String name;
    private final boolean ignoreEndOfGeneration;
    /** Whether any layer is on a GPU: then {@code llama_decode} returns once the graph is submitted. */
    private final boolean layersOnGpu;
    /** The model's own template through Jinjava; {@code null}: {@link #template} through llama.cpp. */
    private TranscriptTemplate jinja;

    private NativeModel(LlamaLib llama, Pointer model, String template, String name, boolean ignoreEndOfGeneration,
                        boolean layersOnGpu) {
        this.ignoreEndOfGeneration = ignoreEndOfGeneration;
        this.layersOnGpu = layersOnGpu;
        this.llama = llama;
        this.model = model;
        this.vocab = llama.llama_model_get_vocab(model);
        this.template = template;
        this.name = name;
    }

    /** Whether any of the model's layers is on a GPU (an asynchronous backend), not all on the CPU. */
    boolean layersOnGpu() {
        return layersOnGpu;
    }

    /** Loads the weights, as many layers onto the GPU as {@code placement} says. */
    static NativeModel load(LlamaLib llama, Path file, GpuPlacement placement, boolean ignoreEndOfGeneration) {
        LlamaLib.ModelParams params = llama.llama_model_default_params();
        placement.applyTo(params);
        Pointer model = llama.llama_model_load_from_file(file.toString(), params);
        if (model == null) {
            throw new EngineException("llama.cpp could not load " + file + " (see the log above for why)");
        }
        String name = file.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        Pointer template = llama.llama_model_chat_template(model, null);
        if (template == null) {
            // what llama.cpp's server does too
            log.warn("{} has no chat template (tokenizer.chat_template); using ChatML", name);
        }
        String source = template == null ? null : template.getString(0, StandardCharsets.UTF_8.name());
        NativeModel loaded = new NativeModel(llama, model, source == null ? FALLBACK_TEMPLATE : source, name,
                ignoreEndOfGeneration, placement.layers() != 0);
        loaded.jinja = TranscriptTemplate.forModel(name, source, loaded.tokenText(llama.llama_vocab_bos(loaded.vocab)),
                loaded.tokenText(llama.llama_vocab_eos(loaded.vocab)),
                llama.llama_vocab_get_add_bos(loaded.vocab) != 0).orElse(null);
        try {
            loaded.render(List.of(ChatMessage.user("hello")));
        } catch (EngineException e) {
            loaded.close();
            throw e;
        }
        return loaded;
    }

    /** The token's text as the vocabulary holds it, {@code ""} for none ({@code -1}). */
    private String tokenText(int token) {
        return token < 0 ? "" : Optional.ofNullable(llama.llama_vocab_get_text(vocab, token)).orElse("");
    }

    /**
     * How the model writes tool calls, as its own template shows; {@code null} (no tools) for a model without a
     * template Jinjava renders, because llama.cpp's built-in templates cannot show tools or tool messages.
     */
    ToolSyntax toolSyntax() {
        return jinja != null ? jinja.toolSyntax() : null;
    }

    /** Whether prompts come from the model's own Jinja template (else llama.cpp's built-in one). */
    boolean rendersOwnTemplate() {
        return jinja != null;
    }

    Pointer pointer() {
        return model;
    }

    Pointer vocab() {
        return vocab;
    }

    /**
     * Whether llama.cpp accepts {@code grammar} (GBNF, start rule {@code root}) for this vocabulary. Only reads the
     * vocabulary, so a turn thread may ask before handing a job to the engine thread.
     */
    boolean acceptsGrammar(String grammar) {
        Pointer sampler = llama.llama_sampler_init_grammar(vocab, grammar, "root");
        if (sampler == null) {
            return false;
        }
        llama.llama_sampler_free(sampler);
        return true;
    }

    /**
     * Refuses a request whose grammar llama.cpp cannot build for this vocabulary, or whose logit biases name tokens
     * outside it. Only reads the vocabulary, so the turn's thread asks: the engine thread never meets either.
     */
    void checkSampling(Sampling sampling) {
        if (sampling.grammar() != null && !acceptsGrammar(sampling.grammar())) {
            throw new UnsupportedRequestException("invalid_grammar",
                    "llama.cpp refused the grammar of the response format (see the worker log for why)");
        }
        if (!sampling.logitBias().isEmpty()) {
            SamplerChain.checkLogitBias(sampling, vocabularySize());
        }
    }

    String name() {
        return name;
    }

    /** Tokens in the vocabulary: the length of a row of logits. */
    int vocabularySize() {
        return llama.llama_vocab_n_tokens(vocab);
    }

    boolean isEndOfGeneration(int token) {
        return !ignoreEndOfGeneration && llama.llama_vocab_is_eog(vocab, token) != 0;
    }

    /** The token's text as UTF-8 bytes (control tokens give none); may be part of a character. */
    byte[] piece(int token) {
        byte[] buffer = new byte[32];
        int length = llama.llama_token_to_piece(vocab, token, buffer, buffer.length, 0, (byte) 0);
        if (length < 0) {
            buffer = new byte[-length];
            length = llama.llama_token_to_piece(vocab, token, buffer, buffer.length, 0, (byte) 0);
        }
        return length == buffer.length ? buffer : Arrays.copyOf(buffer, Math.max(0, length));
    }

    /**
     * Tokenizes text.
     *
     * @param addSpecial   add the beginning-of-sequence token if the vocabulary wants one
     * @param parseSpecial turn control strings such as {@code <|im_start|>} into control tokens; off for user text
     */
    int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        if (text.isEmpty() && !addSpecial) {
            return new int[0];
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[bytes.length + 8];
        int n = llama.llama_tokenize(vocab, bytes, bytes.length, tokens, tokens.length, flag(addSpecial),
                flag(parseSpecial));
        if (n < 0) {
            tokens = new int[-n];
            n = llama.llama_tokenize(vocab, bytes, bytes.length, tokens, tokens.length, flag(addSpecial),
                    flag(parseSpecial));
        }
        if (n < 0) {
            throw new EngineException("tokenization failed (" + n + ") for text of " + bytes.length + " bytes");
        }
        return Arrays.copyOf(tokens, n);
    }

    /**
     * The prompt tokens of a transcript, rendered with the model's chat template. The template's own text is
     * tokenized with control strings recognised and each message's content with them off, so that a message
     * holding {@code <|im_start|>system} stays text and cannot open a turn of its own.
     */
    int[] tokenizeTranscript(Transcript transcript) {
        List<ChatMessage> messages = transcript.messages().stream().map(NativeModel::asLlamaSeesIt).toList();
        TranscriptTemplate.Rendered rendered = jinja != null ? renderJinja(messages, transcript.templateVariables())
                : new TranscriptTemplate.Rendered(render(messages), messages.stream().map(ChatMessage::content).toList());
        return TranscriptSplitter.tokenizeContents(rendered.text(), rendered.contents(), new TranscriptSplitter.Tokenizer() {
            @Override
            public int[] template(String text, boolean first) {
                return tokenize(text, first, true);
            }

            @Override
            public int[] content(String text) {
                return tokenize(text, false, false);
            }
        }, name);
    }

    /**
     * The message as llama.cpp will read its text: without NUL, which would end the C string early and means
     * nothing to a model, and with what UTF-8 cannot carry (an unpaired surrogate from a JSON escape) as UTF-8
     * writes it. Rendered any other way, the template's output and the message would differ, the split would refuse
     * the transcript, and the conversation's later turns with it.
     */
    private static ChatMessage asLlamaSeesIt(ChatMessage message) {
        String content = message.content();
        if (content == null) {
            return message;
        }
        String seen = new String(content.replace("\0", "").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        return seen.equals(content) ? message
                : new ChatMessage(message.role(), seen, message.toolCalls(), message.toolCallId());
    }

    private TranscriptTemplate.Rendered renderJinja(List<ChatMessage> messages, Map<String, Object> variables) {
        try {
            return jinja.render(messages, variables);
        } catch (TemplateException e) {
            // The template refused these messages (roles that do not alternate, say): asking again cannot help.
            throw new UnsupportedRequestException("chat_template_refused", name + ": " + e.getMessage());
        }
    }

    /**
     * The model's reasoning markers and whether this transcript's prompt opens the reasoning (DeepSeek R1's template
     * ends it with {@code <think>}); empty for a model whose template shows no reasoning, or that has none of its own.
     */
    Optional<ReasoningStart> reasoning(Transcript transcript) {
        if (jinja == null || jinja.reasoningMarkers().isEmpty()) {
            return Optional.empty();
        }
        ReasoningMarkers markers = jinja.reasoningMarkers().get();
        String prompt = renderJinja(transcript.messages(), transcript.templateVariables()).text();
        return Optional.of(new ReasoningStart(markers, markers.opensIn(prompt)));
    }

    /** Messages rendered with the model's chat template, ending with the assistant's cue. */
    String render(List<ChatMessage> messages) {
        if (jinja != null) {
            return renderJinja(messages, Map.of()).text();
        }
        LlamaLib.ChatMessage[] chat = (LlamaLib.ChatMessage[]) new LlamaLib.ChatMessage().toArray(messages.size());
        List<Memory> strings = new ArrayList<>(messages.size() * 2);
        int textBytes = 0;
        byte[] buffer;
        int length;
        try {
            for (int i = 0; i < messages.size(); i++) {
                ChatMessage message = messages.get(i);
                chat[i].role = cString(message.role().wireName(), strings);
                chat[i].content = cString(message.content(), strings);
                textBytes += message.content().length() * 3;
                chat[i].write();
            }
            buffer = new byte[textBytes * 2 + 1024];
            length = llama.llama_chat_apply_template(template, chat, messages.size(), (byte) 1, buffer, buffer.length);
            if (length > buffer.length) {
                buffer = new byte[length];
                length = llama.llama_chat_apply_template(template, chat, messages.size(), (byte) 1, buffer,
                        buffer.length);
            }
        } finally {
            strings.forEach(Memory::close);
        }
        if (length < 0) {
            throw new EngineException("llama.cpp does not know the chat template of " + name
                    + " (llama_chat_apply_template supports a fixed list of templates)");
        }
        return new String(buffer, 0, length, StandardCharsets.UTF_8);
    }

    private static Pointer cString(String text, List<Memory> keep) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Memory memory = new Memory(bytes.length + 1L);
        memory.write(0, bytes, 0, bytes.length);
        memory.setByte(bytes.length, (byte) 0);
        keep.add(memory);
        return memory;
    }

    private static byte flag(boolean value) {
        return value ? (byte) 1 : (byte) 0;
    }

    @Override
    public void close() {
        llama.llama_model_free(model);
    }
}
