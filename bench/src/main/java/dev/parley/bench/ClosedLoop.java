package dev.parley.bench;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * Conversations run side by side, each sending its next turn only when the reply to its previous one has arrived,
 * as users of a chat would. Returns one sample per turn.
 */
public final class ClosedLoop {

    /** Text of a turn. */
    @FunctionalInterface
    public interface Questions {
        String question(int conversation, int turn);
    }

    /** Turns a reply into a sample; {@code sentNanos} is when its prompt was sent. */
    @FunctionalInterface
    public interface Sampler<T> {
        T sample(int conversation, int turn, Reply reply, long sentNanos);
    }

    private ClosedLoop() {
    }

    /** Runs {@code conversations} conversations of {@code turns} turns and waits for every reply. */
    public static <T> List<T> run(ParleyClient client, SendOptions options, int conversations, int turns,
                                  IntFunction<String> conversationId, Questions questions, Sampler<T> sampler) {
        List<CompletableFuture<List<T>>> chains = new ArrayList<>();
        for (int c = 0; c < conversations; c++) {
            int conversation = c;
            String id = conversationId.apply(c);
            CompletableFuture<List<T>> chain = CompletableFuture.completedFuture(new ArrayList<>());
            for (int t = 0; t < turns; t++) {
                int turn = t;
                chain = chain.thenCompose(samples -> {
                    long sent = System.nanoTime();
                    return client.send(id, questions.question(conversation, turn), options).thenApply(reply -> {
                        samples.add(sampler.sample(conversation, turn, reply, sent));
                        return samples;
                    });
                });
            }
            chains.add(chain);
        }
        List<T> samples = new ArrayList<>();
        chains.forEach(chain -> samples.addAll(chain.join()));
        return samples;
    }
}
