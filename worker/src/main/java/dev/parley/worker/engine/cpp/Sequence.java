package dev.parley.worker.engine.cpp;

/**
 * One of the context's sequences ({@code n_seq_max} of them, each with its own KV cells): which conversation's
 * tokens it holds, the job running in it, and when it was last used (the least recently used idle one goes to a
 * conversation that needs a sequence). Engine thread only.
 */
final class Sequence {

    final int id;
    final TokenList tokens = new TokenList();
    String conversationId;
    NativeJob job;
    long lastUsed;

    Sequence(int id) {
        this.id = id;
    }

    boolean idle() {
        return job == null;
    }

    boolean empty() {
        return conversationId == null;
    }

    void reset() {
        conversationId = null;
        tokens.clear();
    }
}
