package dev.parley.worker.engine.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's own chat template ({@code tokenizer.chat_template}, Jinja) rendered the way Hugging Face's
 * {@code apply_chat_template} does, with the variables its templates read: {@code messages}, {@code tools},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, and any extra ones a request passes
 * ({@code chat_template_kwargs} such as {@code enable_thinking}, {@code reasoning_effort}).
 *
 * <p>A template that ignores or refuses the system role (Gemma's, Mistral's first ones) gets the system prompt
 * merged into the first user message, as llama.cpp does, rather than losing it.
 */
public final class ChatTemplate {

    private static final String NEEDLE = "<System Needle 7f3a>";

    private final Jinjava jinja;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final boolean systemRole;

    private ChatTemplate(String source, String bosToken, String eosToken) {
        LoopConditions loopConditions = new LoopConditions();
        this.source = JinjaDialect.toJinjava(source, loopConditions);
        this.jinja = JinjaEnvironment.create(loopConditions);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.systemRole = rendersSystemRole();
    }

    /**
     * @param source   the template's Jinja text
     * @param bosToken the text of the model's beginning-of-sequence token ({@code ""} if none)
     * @param eosToken the text of its end-of-sequence token ({@code ""} if none)
     * @throws TemplateException when the template cannot render a plain user message
     */
    public static ChatTemplate compile(String source, String bosToken, String eosToken) {
        ChatTemplate template = new ChatTemplate(Objects.requireNonNull(source, "source"),
                Objects.requireNonNullElse(bosToken, ""), Objects.requireNonNullElse(eosToken, ""));
        template.render(List.of(message("user", "Hey")), true, Map.of());
        return template;
    }

    /** A message as templates see it: a dict with {@code role} and {@code content}. */
    public static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    public String bosToken() {
        return bosToken;
    }

    /** Whether the template shows a system message itself (else {@link #prepare} merges it into the user's). */
    public boolean supportsSystemRole() {
        return systemRole;
    }

    /**
     * The messages as the template is given them: a leading system message merged into the first user message when
     * the template does not show system messages.
     */
    public List<Map<String, Object>> prepare(List<Map<String, Object>> messages) {
        if (systemRole || messages.isEmpty() || !"system".equals(messages.get(0).get("role"))) {
            return messages;
        }
        String system = String.valueOf(messages.get(0).get("content"));
        List<Map<String, Object>> merged = new ArrayList<>(messages.subList(1, messages.size()));
        for (int i = 0; i < merged.size(); i++) {
            if ("user".equals(merged.get(i).get("role"))) {
                Map<String, Object> user = new LinkedHashMap<>(merged.get(i));
                Object content = user.get("content");
                user.put("content", content == null || content.toString().isEmpty() ? system
                        : system + "\n" + content);
                merged.set(i, user);
                return merged;
            }
        }
        merged.add(0, message("user", system));
        return merged;
    }

    /**
     * Renders {@code messages} (first {@link #prepare prepared}).
     *
     * @param variables more template variables ({@code tools}, {@code enable_thinking}, ...); they cannot replace
     *                  {@code messages}, {@code bos_token}, {@code eos_token} or {@code add_generation_prompt}
     * @throws TemplateException when the template raises an exception or fails
     */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt,
                         Map<String, ?> variables) {
        Map<String, Object> context = new HashMap<>(variables);
        context.put("messages", prepare(messages));
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        // so that `strftime_now is defined` holds, as in transformers, where they are globals
        context.put("strftime_now", true);
        context.put("raise_exception", true);
        RenderResult result;
        try {
            result = jinja.renderForResult(source, context);
        } catch (RuntimeException e) {
            throw new TemplateException("the chat template failed: " + e.getMessage(), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new TemplateException(describe(error), error.getException());
            }
        }
        return result.getOutput();
    }

    private static String describe(TemplateError error) {
        for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
            if (cause instanceof TemplateFunctions.TemplateRefusal) {
                return "the chat template refused the messages: " + cause.getMessage();
            }
        }
        return "the chat template failed at line " + error.getLineno() + ": " + error.getMessage();
    }

    /** What llama.cpp asks too: does a system message's text reach the output? */
    private boolean rendersSystemRole() {
        try {
            Map<String, Object> context = new HashMap<>();
            context.put("messages", List.of(message("system", NEEDLE), message("user", "Hey")));
            context.put("add_generation_prompt", false);
            context.put("bos_token", bosToken);
            context.put("eos_token", eosToken);
            RenderResult result = jinja.renderForResult(source, context);
            return result.getErrors().stream().noneMatch(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                    && result.getOutput().contains(NEEDLE);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
