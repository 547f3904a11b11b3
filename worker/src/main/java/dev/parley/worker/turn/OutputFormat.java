package dev.parley.worker.turn;

import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.schemas.format.ResponseGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.util.List;
import java.util.Optional;

/**
 * A turn's response format: the grammar the engine samples under and the check of the finished answer. The grammar
 * makes a valid answer likely; only the check makes it certain, because generation may stop before the JSON closes.
 * A turn whose tool choice forces a call is sampled under the call's grammar instead ({@link ToolTurn}); one whose
 * tools are offered under {@code auto} and whose format is free text, under the lazy grammar of a call.
 */
final class OutputFormat {

    private final ResponseFormat format;
    private final String grammar;
    private final ToolTurn tools;
    private OutputValidator validator;

    private OutputFormat(ResponseFormat format, String grammar, ToolTurn tools) {
        this.format = format;
        this.grammar = grammar;
        this.tools = tools;
    }

    /**
     * The turn's format, with the grammar the prompt decoder built when there is one (so it is not built again).
     *
     * @throws UnsupportedRequestException ({@code unsupported_schema}) for a schema outside the subset; the prompt
     *                                     decoder refuses those already, so only a prompt made in-process gets here
     */
    static OutputFormat of(PendingTurn turn, EngineInfo engine) {
        ResponseGrammar built = turn.grammar();
        if (built == null) {
            try {
                built = ResponseGrammar.of(turn.prompt().paramsOrDefaults().responseFormat(),
                        "$.params.response_format.json_schema.schema");
            } catch (UnsupportedSchemaException e) {
                throw new UnsupportedRequestException("unsupported_schema", e.getMessage());
            }
        }
        return new OutputFormat(built.format(), built.gbnf(), ToolTurn.of(turn.prompt(), engine));
    }

    /** Whether the answer must be JSON. */
    boolean constrained() {
        return format.constrained();
    }

    /** The format's wire name, a metric tag. */
    String name() {
        return format.type().wireName();
    }

    /** The GBNF grammar to sample under, or {@code null} for free text. */
    String grammar() {
        if (tools.forced()) {
            return tools.grammar();
        }
        return grammar == null && tools.lazyGrammar() != null ? tools.lazyGrammar().gbnf() : grammar;
    }

    /** Where {@link #grammar()} starts to hold: empty for the first token, else the lazy grammar's triggers. */
    List<String> grammarTriggers() {
        return tools.forced() || grammar != null || tools.lazyGrammar() == null ? List.of()
                : tools.lazyGrammar().triggers();
    }

    /** Whether the answer started a call that the lazy grammar held this turn (so it must parse unless cut off). */
    boolean startedHeldCall(String text) {
        return !grammarTriggers().isEmpty() && tools.startedCall(text);
    }

    /** The turn's tools. */
    ToolTurn tools() {
        return tools;
    }

    /** What is wrong with the finished answer, or empty when it has the required shape. */
    Optional<String> problem(String text) {
        if (!constrained()) {
            return Optional.empty();
        }
        if (validator == null) {
            validator = OutputValidator.of(format);
        }
        return validator.problem(text);
    }
}
