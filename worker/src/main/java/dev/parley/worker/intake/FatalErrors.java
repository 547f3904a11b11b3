package dev.parley.worker.intake;

/**
 * Which failures end the poll loop, and which only the record at hand. A record can only ever hurt itself, so
 * almost everything thrown while one record is handled is that record's problem: any {@link RuntimeException}, a
 * {@link StackOverflowError} (deep nesting) and an {@link OutOfMemoryError} (one record too large for the heap: the
 * allocation fails and holds nothing, which is what a compression bomb does). Fatal are only the errors that say the
 * process itself is broken and would fail every record the same way, so that dead-lettering would empty the topic:
 * the other {@link VirtualMachineError}s ({@link InternalError}, {@link UnknownError}) and {@link LinkageError}s (a
 * class missing or incompatible: a broken deployment).
 */
final class FatalErrors {

    private FatalErrors() {
    }

    /** Whether {@code failure} must end the loop instead of becoming one record's dead letter. */
    static boolean isFatal(Throwable failure) {
        if (failure instanceof OutOfMemoryError || failure instanceof StackOverflowError) {
            return false;
        }
        return failure instanceof VirtualMachineError || failure instanceof LinkageError;
    }

    /** A one-line description for a dead letter's reason: class and message. */
    static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getName() + (message == null ? "" : ": " + message);
    }
}
