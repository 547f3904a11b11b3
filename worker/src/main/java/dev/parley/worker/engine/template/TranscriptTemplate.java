package dev.parley.worker.engine.template;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.tools.ToolRendering;
import dev.parley.worker.engine.tools.ToolSyntax;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's own chat template applied to a conversation's messages, for an engine to tokenize: the rendered text
 * and each message's content as the template was given it, so that the engine tokenizes the template's text with
 * control strings recognised and the messages' text without ({@code TranscriptSplitter}).
 */
public final class TranscriptTemplate {

    private static final Logger log = LoggerFactory.getLogger(TranscriptTemplate.class);

    /**
     * @param text     the prompt text, without a leading BOS text where the tokenizer adds the BOS token itself
     * @param contents the messages' contents in order, as the template was given them
     */
    public record Rendered(String text, List<String> contents) {
        public Rendered {
            contents = List.copyOf(contents);
        }
    }

    private final ChatTemplate template;
    private final boolean tokenizerAddsBos;
    private final Optional<ReasoningMarkers> reasoning;
    private final ToolRendering tools;
    private final ToolSyntax toolSyntax;

    private TranscriptTemplate(ChatTemplate template, boolean tokenizerAddsBos, Optional<ReasoningMarkers> reasoning,
                               String source) {
        this.template = template;
        this.tokenizerAddsBos = tokenizerAddsBos;
        this.reasoning = reasoning;
        this.tools = ToolRendering.of(source);
        this.toolSyntax = ToolSyntax.of(source);
    }

    /**
     * The model's template, or empty (said once, here) when the model has none or Jinjava cannot render it: the
     * engine then falls back to llama.cpp's built-in templates.
     *
     * @param source           the GGUF's {@code tokenizer.chat_template}, or {@code null}
     * @param tokenizerAddsBos the engine's tokenizer puts the BOS token first itself, so a BOS text the template
     *                         writes first is left out of the text (else the prompt would start with two)
     */
    public static Optional<TranscriptTemplate> forModel(String model, String source, String bosToken,
                                                        String eosToken, boolean tokenizerAddsBos) {
        if (source == null || source.isBlank()) {
            return Optional.empty();
        }
        try {
            ChatTemplate template = ChatTemplate.compile(source, bosToken, eosToken);
            log.info("{}: prompts are rendered with the model's own chat template (Jinja{})", model,
                    template.supportsSystemRole() ? "" : "; it takes no system message, which goes to the first "
                            + "user message");
            return Optional.of(new TranscriptTemplate(template, tokenizerAddsBos, ReasoningMarkers.of(source),
                    source));
        } catch (TemplateException e) {
            log.warn("{}: its chat template cannot be rendered ({}); prompts use llama.cpp's built-in template "
                    + "that matches it", model, e.getMessage());
            return Optional.empty();
        }
    }

    /** How the model writes tool calls, as its template shows. */
    public ToolSyntax toolSyntax() {
        return toolSyntax;
    }

    /** How the model marks its reasoning, if its template shows it reasons aloud. */
    public Optional<ReasoningMarkers> reasoningMarkers() {
        return reasoning;
    }

    /**
     * An earlier answer as the template is given it: without its reasoning, which reasoning templates (Qwen 3,
     * DeepSeek R1) drop from earlier turns themselves. Doing it here keeps the answer's text unchanged in the render,
     * where the tokenizer looks for it.
     */
    private String shown(ChatMessage message) {
        if (message.content() == null) {
            return ""; // an assistant message with only tool calls
        }
        String content = withoutControls(message.content());
        if (reasoning.isEmpty() || !"assistant".equals(message.role().wireName())) {
            return content;
        }
        return reasoning.get().answerOf(content);
    }

    /**
     * The text without the C0 control characters Jinjava does not carry through a render unchanged (U+0001 and
     * U+000B came out rewritten): the engine would then refuse the transcript, and since a conversation's history is
     * rendered again on every turn, one such message would fail all its later turns. They mean nothing to a model;
     * tab, line feed, form feed and carriage return stay.
     */
    static String withoutControls(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isDropped(text.charAt(i))) {
                StringBuilder kept = new StringBuilder(text.length());
                text.chars().filter(c -> !isDropped((char) c)).forEach(c -> kept.append((char) c));
                return kept.toString();
            }
        }
        return text;
    }

    private static boolean isDropped(char c) {
        return c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r';
    }

    /**
     * @param variables more template variables ({@code tools}, {@code enable_thinking}, {@code reasoning_effort}, ...)
     * @throws TemplateException when the template refuses the messages
     */
    public Rendered render(List<ChatMessage> messages, Map<String, Object> variables) {
        List<Map<String, Object>> dicts = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            dicts.add(tools.message(message, ChatTemplate.message(message.role().wireName(), shown(message))));
        }
        List<Map<String, Object>> prepared = template.prepare(tools.withTools(dicts, variables.get("tools")));
        String text = template.render(prepared, true, new HashMap<>(variables));
        String bos = template.bosToken();
        if (tokenizerAddsBos && !bos.isEmpty() && text.startsWith(bos)) {
            text = text.substring(bos.length());
        }
        List<String> contents = new ArrayList<>(prepared.size());
        for (Map<String, Object> message : prepared) {
            Object content = message.get("content");
            contents.add(content == null ? "" : content.toString());
        }
        return new Rendered(text, contents);
    }
}
