package dev.parley.worker.engine;

/**
 * The caller stopped waiting for a generation (its thread was interrupted: the worker is stopping or the partition
 * moved). Not a failure and not a cancellation: nothing may be stored or published for it, and the record stays
 * uncommitted so that the next owner generates the turn.
 */
public final class GenerationAbandonedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public GenerationAbandonedException(String message) {
        super(message);
    }
}
