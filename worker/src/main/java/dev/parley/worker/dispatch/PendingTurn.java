package dev.parley.worker.dispatch;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.format.ResponseGrammar;
import dev.parley.schemas.validation.Rejection;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * An accepted prompt waiting for, or running, its turn.
 *
 * @param partition     where the record came from
 * @param offset        the record's offset
 * @param prompt        the decoded prompt
 * @param arrivedNanos  {@link System#nanoTime()} when the worker received it
 * @param record        the original record, for a dead letter should the turn keep failing
 * @param grammar       the response format's grammar as the decoder built it, or {@code null} when the prompt was not
 *                      decoded (made in-process) and the turn must build it
 * @param refusal       why the worker refuses this well-formed prompt (a gate: another model, tools its engine cannot
 *                      call): its turn answers with an error reply of that code and dead-letters it instead of
 *                      generating; {@code null} for a prompt to answer
 */
public record PendingTurn(TopicPartition partition, long offset, Prompt prompt, long arrivedNanos,
                          ConsumerRecord<String, byte[]> record, ResponseGrammar grammar, Rejection refusal) {

    public PendingTurn {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(prompt, "prompt");
    }

    public PendingTurn(TopicPartition partition, long offset, Prompt prompt, long arrivedNanos) {
        this(partition, offset, prompt, arrivedNanos, null, null, null);
    }

    public PendingTurn(TopicPartition partition, long offset, Prompt prompt, long arrivedNanos,
                       ConsumerRecord<String, byte[]> record) {
        this(partition, offset, prompt, arrivedNanos, record, null, null);
    }

    /** A prompt to answer, as decoded from {@code record}. */
    public PendingTurn(TopicPartition partition, long offset, Prompt prompt, long arrivedNanos,
                       ConsumerRecord<String, byte[]> record, ResponseGrammar grammar) {
        this(partition, offset, prompt, arrivedNanos, record, grammar, null);
    }

    public String conversationId() {
        return prompt.conversationId();
    }

    @Override
    public String toString() {
        return prompt.conversationId() + "/" + prompt.requestId() + "@" + partition + ":" + offset;
    }
}
