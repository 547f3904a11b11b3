package dev.parley.worker.turn;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.format.UnsupportedSchemaException;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.UnsupportedRequestException;
import dev.parley.worker.engine.tools.LazyToolGrammar;
import dev.parley.worker.engine.tools.ParsedAnswer;
import dev.parley.worker.engine.tools.ToolCallParser;
import dev.parley.worker.engine.tools.ToolGrammar;
import dev.parley.worker.engine.tools.ToolRendering;
import dev.parley.worker.engine.tools.ToolSyntax;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A turn's tools: what the template is given ({@code tools}, none under {@code tool_choice: none}), the grammar that
 * forces a call ({@code required} or a named function, written in the generic JSON form), the lazy grammar that holds
 * a call the model starts under {@code auto} (in its family's syntax, from the trigger on), and the calls found in
 * the answer. Built once per turn; the answer is parsed once, so the streamed calls and the reply carry the same ids.
 */
final class ToolTurn {

    static final ToolTurn NONE = new ToolTurn(List.of(), ToolSyntax.GENERIC, null, null, true);

    private final List<Tool> tools;
    private final ToolSyntax syntax;
    private final String grammar;
    private final LazyToolGrammar lazy;
    private final boolean parallel;
    private String parsedText;
    private Optional<ParsedAnswer> parsed = Optional.empty();

    private ToolTurn(List<Tool> tools, ToolSyntax syntax, String grammar, LazyToolGrammar lazy, boolean parallel) {
        this.tools = tools;
        this.syntax = syntax;
        this.grammar = grammar;
        this.lazy = lazy;
        this.parallel = parallel;
    }

    /**
     * The prompt's tools as {@code engine} calls them; {@link #NONE} when it offers none, chooses none, or the
     * engine calls no tools (its intake refused the prompt then, unless it only has tool messages in its history).
     *
     * @throws UnsupportedRequestException ({@code unsupported_schema}) when a forced tool's parameters fall outside
     *                                     the grammar converter's subset
     */
    static ToolTurn of(Prompt prompt, EngineInfo engine) {
        ToolChoice choice = prompt.toolChoice() != null ? prompt.toolChoice() : ToolChoice.AUTO;
        if (prompt.toolsOrEmpty().isEmpty() || choice.mode() == ToolChoice.Mode.NONE || engine.toolSyntax() == null) {
            return NONE;
        }
        boolean parallel = !Boolean.FALSE.equals(prompt.parallelToolCalls());
        if (choice.forcesCall()) {
            try {
                return new ToolTurn(prompt.toolsOrEmpty(), engine.toolSyntax(),
                        ToolGrammar.forChoice(prompt.toolsOrEmpty(), choice), null, parallel);
            } catch (UnsupportedSchemaException e) {
                throw new UnsupportedRequestException("unsupported_schema", e.getMessage());
            }
        }
        return new ToolTurn(prompt.toolsOrEmpty(), engine.toolSyntax(), null,
                lazyGrammar(prompt.toolsOrEmpty(), engine.toolSyntax(), parallel), parallel);
    }

    /**
     * The lazy grammar of a call under {@code auto}; {@code null} when a tool's parameters fall outside the
     * converter's subset: the model may still call, unconstrained, and its answer is parsed after (a prompt is not
     * refused for what it did not force).
     */
    private static LazyToolGrammar lazyGrammar(List<Tool> tools, ToolSyntax syntax, boolean parallel) {
        try {
            return LazyToolGrammar.forFamily(tools, syntax, parallel);
        } catch (UnsupportedSchemaException e) {
            return null;
        }
    }

    /** Whether the model is offered tools this turn. */
    boolean active() {
        return !tools.isEmpty();
    }

    /** Whether the answer must be a call (it is sampled under {@link #grammar()}). */
    boolean forced() {
        return grammar != null;
    }

    /** How the model writes calls this turn: a forced call in the generic form, else the family's syntax. */
    ToolSyntax syntax() {
        return forced() ? ToolSyntax.GENERIC : syntax;
    }

    /** The grammar of a forced call, or {@code null}. */
    String grammar() {
        return grammar;
    }

    /** The grammar that holds a call the model starts under {@code auto}, or {@code null}. */
    LazyToolGrammar lazyGrammar() {
        return lazy;
    }

    /** Whether the answer started a call that the lazy grammar held (so it must parse, unless it was cut off). */
    boolean startedCall(String text) {
        return lazy != null && lazy.startedIn(text);
    }

    /** The chat-template variables that show the tools. */
    Map<String, Object> templateVariables() {
        return active() ? Map.of("tools", ToolRendering.variable(tools)) : Map.of();
    }

    /** The calls in the answer (only the first without parallel calls), or empty: it is plain text. */
    synchronized Optional<ParsedAnswer> calls(String text) {
        if (!active()) {
            return Optional.empty();
        }
        if (!text.equals(parsedText)) {
            ToolCallParser parser = new ToolCallParser(syntax(),
                    tools.stream().map(Tool::name).collect(Collectors.toSet()), this::callId);
            parsed = parser.parse(text).map(answer -> parallel || answer.calls().size() == 1 ? answer
                    : new ParsedAnswer(answer.content(), answer.calls().subList(0, 1)));
            parsedText = text;
        }
        return parsed;
    }

    /**
     * A call id in OpenAI's style; for Mistral nine letters and digits, the only ids its templates take back when
     * the call is passed back in the history.
     */
    private String callId() {
        String random = UUID.randomUUID().toString().replace("-", "");
        return syntax == ToolSyntax.MISTRAL ? random.substring(0, 9) : "call_" + random.substring(0, 24);
    }
}
