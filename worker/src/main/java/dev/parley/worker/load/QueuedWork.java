package dev.parley.worker.load;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.WorkerLoad;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tallies the turns waiting in the dispatcher's queues: how many, their prompt size, and how many of each tenant. A
 * prompt is tokenized only when its turn starts, so its size here is an estimate from its text.
 */
public final class QueuedWork implements Consumer<Prompt> {

    /** Characters per token assumed for text not tokenized yet (English prose runs at about four). */
    static final int CHARS_PER_TOKEN = 4;
    /** Tenant of prompts that name none. */
    static final String NO_TENANT = "-";

    private int turns;
    private long promptTokens;
    private final Map<String, Integer> byTenant = new HashMap<>();

    @Override
    public void accept(Prompt prompt) {
        turns++;
        promptTokens += estimatedTokens(prompt);
        byTenant.merge(prompt.tenant() == null ? NO_TENANT : prompt.tenant(), 1, Integer::sum);
    }

    /** Turns tallied. */
    public int turns() {
        return turns;
    }

    /** Their prompt tokens, estimated. */
    public long promptTokens() {
        return promptTokens;
    }

    /** The tenants with most waiting turns, most first (ties by name), at most {@link WorkerLoad#MAX_TENANTS}. */
    public List<WorkerLoad.TenantLoad> busiestTenants() {
        List<WorkerLoad.TenantLoad> tenants = new ArrayList<>();
        byTenant.forEach((tenant, waiting) -> tenants.add(new WorkerLoad.TenantLoad(tenant, waiting)));
        tenants.sort(Comparator.comparingInt(WorkerLoad.TenantLoad::waitingTurns).reversed()
                .thenComparing(WorkerLoad.TenantLoad::tenant));
        return List.copyOf(tenants.subList(0, Math.min(tenants.size(), WorkerLoad.MAX_TENANTS)));
    }

    /** The new text of a prompt (its messages and system prompt; earlier turns are warm or in history), in tokens. */
    static long estimatedTokens(Prompt prompt) {
        long chars = prompt.system() == null ? 0 : prompt.system().length();
        for (ChatMessage message : prompt.messages()) {
            chars += message.content().length();
        }
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }
}
