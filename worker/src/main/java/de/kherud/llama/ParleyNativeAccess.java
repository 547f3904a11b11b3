package de.kherud.llama;

/**
 * Reaches the parts of java-llama.cpp 4.2.0 that have no public API but that Parley needs: raw completion requests
 * (to pin a request to a slot with {@code id_slot} and to send the prompt as token ids) and the stop flag of an
 * output. It lives in the library's package, which works on the class path (the jar is not sealed).
 */
public final class ParleyNativeAccess {

    private ParleyNativeAccess() {
    }

    /** A native call failed; carries llama.cpp's message ({@code LlamaException} is not public). */
    public static final class NativeCallException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NativeCallException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Queues a completion described by llama.cpp server JSON; returns its task id. */
    public static int requestCompletion(LlamaModel model, String json) {
        try {
            return model.requestCompletion(json);
        } catch (LlamaException e) {
            throw new NativeCallException(e.getMessage(), e);
        }
    }

    /** Blocks for the task's next output. */
    public static LlamaOutput receiveCompletion(LlamaModel model, int taskId) {
        try {
            return model.receiveCompletion(taskId);
        } catch (LlamaException e) {
            throw new NativeCallException(e.getMessage(), e);
        }
    }

    /** Loads a model, translating the library's non-public exception. */
    public static LlamaModel load(ModelParameters parameters) {
        try {
            return new LlamaModel(parameters);
        } catch (LlamaException e) {
            throw new NativeCallException(e.getMessage(), e);
        }
    }

    /** Whether this output is the task's last. */
    public static boolean isStop(LlamaOutput output) {
        return output.stop;
    }

    /** Stops a task; call only from the thread that reads it, between outputs (see JLLAMA-NOTES). */
    public static void cancelCompletion(LlamaModel model, int taskId) {
        model.cancelCompletion(taskId);
    }
}
