package dev.parley.worker.engine;

/**
 * Counters of an engine that keeps the KV of prompt prefixes shared between conversations (a common system prompt)
 * once and copies it into each conversation that starts with one. Read from any thread; totals only grow.
 *
 * @param hits        turns whose shared prefix was found and copied into their sequence instead of computed
 * @param misses      turns with a shareable prefix that was not held, so they computed it (and kept it if it fit)
 * @param evictions   prefixes dropped to stay within the byte budget, least recently used first, or too large to keep
 * @param prefixes    prefixes held now
 * @param bytes       bytes they hold now
 * @param budgetBytes the most bytes they may hold; 0 when sharing is off
 */
public record PrefixCacheStats(long hits, long misses, long evictions, int prefixes, long bytes, long budgetBytes) {

    public static final PrefixCacheStats NONE = new PrefixCacheStats(0, 0, 0, 0, 0, 0);
}
