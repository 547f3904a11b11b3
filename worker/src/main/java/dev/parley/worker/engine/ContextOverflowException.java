package dev.parley.worker.engine;

/** The new turn plus its answer cannot fit a slot's context even without history; retrying cannot help. */
public class ContextOverflowException extends EngineException {

    private static final long serialVersionUID = 1L;

    private final int neededTokens;
    private final int contextTokens;

    public ContextOverflowException(int neededTokens, int contextTokens) {
        super("the turn needs " + neededTokens + " tokens (prompt + max_tokens) but a slot holds " + contextTokens
                + "; shorten the message or lower max_tokens");
        this.neededTokens = neededTokens;
        this.contextTokens = contextTokens;
    }

    public int neededTokens() {
        return neededTokens;
    }

    public int contextTokens() {
        return contextTokens;
    }
}
