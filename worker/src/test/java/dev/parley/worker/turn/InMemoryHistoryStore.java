package dev.parley.worker.turn;

import dev.parley.schemas.Reply;
import dev.parley.worker.history.AppendOutcome;
import dev.parley.worker.history.ConversationOwner;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.history.HistoryTail;
import dev.parley.worker.history.TailBudget;
import dev.parley.worker.history.HistoryUnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The history contract in memory, with a switch to simulate an outage for the next N calls and a bound on the turns
 * kept (the oldest go, the counter and the system prompt in force stay).
 */
final class InMemoryHistoryStore implements HistoryStore {

    final Map<String, List<HistoryEntry>> turns = new HashMap<>();
    final Map<String, Reply> replies = new HashMap<>();
    final Map<String, Integer> counters = new HashMap<>();
    final Map<String, String> systems = new HashMap<>();
    final Map<String, ConversationOwner> owners = new HashMap<>();
    int keepNewest = Integer.MAX_VALUE;
    int failNextCalls;
    /** Appends that fail (an outage at append time only) before one goes through. */
    int failNextAppends;
    int calls;

    private void maybeFail() {
        calls++;
        if (failNextCalls > 0) {
            failNextCalls--;
            throw new HistoryUnavailableException("simulated outage", null);
        }
    }

    @Override
    public synchronized List<HistoryEntry> load(String conversationId) {
        maybeFail();
        return List.copyOf(turns.getOrDefault(conversationId, List.of()));
    }

    @Override
    public synchronized HistoryTail loadTail(String conversationId, TailBudget budget) {
        maybeFail();
        List<HistoryEntry> list = turns.getOrDefault(conversationId, List.of());
        List<HistoryEntry> tail = list.subList(Math.max(0, list.size() - budget.maxTurns()), list.size());
        return new HistoryTail(tail, turnCount(conversationId), systems.get(conversationId));
    }

    private int turnCount(String conversationId) {
        return counters.getOrDefault(conversationId, turns.getOrDefault(conversationId, List.of()).size());
    }

    @Override
    public synchronized Optional<Reply> storedReply(String conversationId, String requestId) {
        maybeFail();
        return Optional.ofNullable(replies.get(conversationId + "/" + requestId));
    }

    @Override
    public synchronized AppendOutcome append(String conversationId, String tenant, HistoryEntry entry, Reply reply) {
        maybeFail();
        if (failNextAppends > 0) {
            failNextAppends--;
            throw new HistoryUnavailableException("simulated outage at append time", null);
        }
        ConversationOwner owner = owners.get(conversationId);
        if (owner != null && !owner.admits(tenant)) {
            return new AppendOutcome.TenantMismatch(owner);
        }
        owners.putIfAbsent(conversationId, new ConversationOwner(tenant));
        Reply stored = replies.get(conversationId + "/" + entry.requestId());
        if (stored != null) {
            return new AppendOutcome.Duplicate(stored);
        }
        List<HistoryEntry> list = turns.computeIfAbsent(conversationId, c -> new ArrayList<>());
        int count = turnCount(conversationId);
        if (count + 1 != entry.turn()) {
            return new AppendOutcome.Conflict(count);
        }
        list.add(entry);
        counters.put(conversationId, count + 1);
        if (entry.system() != null) {
            systems.put(conversationId, entry.system());
        }
        while (list.size() > keepNewest) {
            list.remove(0);
        }
        replies.put(conversationId + "/" + entry.requestId(), reply);
        return new AppendOutcome.Appended(entry.turn());
    }

    final java.util.Set<String> cancelled = new java.util.HashSet<>();

    @Override
    public synchronized Optional<ConversationOwner> owner(String conversationId) {
        maybeFail();
        return Optional.ofNullable(owners.get(conversationId));
    }

    @Override
    public synchronized Reply recordReply(String conversationId, String requestId, Reply reply) {
        maybeFail();
        return replies.computeIfAbsent(conversationId + "/" + requestId, k -> reply);
    }

    @Override
    public synchronized void markCancelled(String conversationId, String requestId) {
        maybeFail();
        cancelled.add(conversationId + "/" + requestId);
    }

    @Override
    public synchronized boolean isCancelled(String conversationId, String requestId) {
        maybeFail();
        return cancelled.contains(conversationId + "/" + requestId);
    }

    @Override
    public boolean isReachable() {
        return failNextCalls == 0;
    }

    @Override
    public void close() {
    }
}
