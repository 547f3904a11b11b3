package dev.parley.client.batch;

/** How {@link BatchJob} writes its output and error lines. */
public enum BatchOutputFormat {
    /**
     * Parley's own lines: {@code {"custom_id", "conversation_id", "request_id", "response": <reply>}} and
     * {@code {"custom_id", "line", "error": {"code", "message"}}}.
     */
    PARLEY,
    /**
     * The OpenAI Batch API's lines: {@code {"id", "custom_id", "response": {"status_code", "request_id", "body":
     * <chat.completion>}, "error"}}, and for a failed line {@code "response": null, "error": {"code", "message"}};
     * Parley's fields (conversation id, request id, the reply, the line number) under a {@code parley} key.
     */
    OPENAI
}
