package dev.parley.worker.engine.llama;

import java.util.Arrays;

/**
 * Pins each conversation to one engine slot so its KV cache stays warm between turns. A conversation keeps its slot
 * until the slot is needed by another conversation and it is the least recently used free one (LRU eviction).
 * Remembers, per slot, the tokens last put into it, so a turn can report how much of its prompt was cached.
 */
final class SlotAffinity {

    /**
     * A slot held for one generation.
     *
     * @param slot           the slot index (llama.cpp's {@code id_slot})
     * @param warm           the conversation already owned this slot
     * @param previousTokens what the slot holds now (another conversation's tokens when not warm), or empty
     */
    record Lease(String conversationId, int slot, boolean warm, int[] previousTokens) {
    }

    private final String[] owner;
    private final boolean[] busy;
    private final long[] lastUsed;
    private final int[][] contents;
    private long clock;
    private long evictions;

    SlotAffinity(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        }
        owner = new String[slots];
        busy = new boolean[slots];
        lastUsed = new long[slots];
        contents = new int[slots][];
        Arrays.fill(contents, new int[0]);
    }

    /** Takes the conversation's own slot, or else the least recently used free one; waits while none is free. */
    synchronized Lease acquire(String conversationId) throws InterruptedException {
        while (true) {
            int own = indexOfOwner(conversationId);
            if (own >= 0 && !busy[own]) {
                busy[own] = true;
                return new Lease(conversationId, own, true, contents[own]);
            }
            if (own < 0) {
                int free = leastRecentlyUsedFree();
                if (free >= 0) {
                    if (owner[free] != null) {
                        evictions++;
                    }
                    owner[free] = conversationId;
                    busy[free] = true;
                    return new Lease(conversationId, free, false, contents[free]);
                }
            }
            wait(); // every slot is busy (or this conversation's slot is): a release will notify
        }
    }

    /**
     * Gives a slot back.
     *
     * @param tokens what the slot now holds, or {@code null} when unknown (after a failure: forget the owner too)
     */
    synchronized void release(Lease lease, int[] tokens) {
        int slot = lease.slot();
        busy[slot] = false;
        lastUsed[slot] = ++clock;
        if (tokens == null) {
            owner[slot] = null;
            contents[slot] = new int[0];
        } else {
            contents[slot] = tokens;
        }
        notifyAll();
    }

    /** Conversations that currently own a slot. */
    synchronized int warmConversations() {
        int warm = 0;
        for (String o : owner) {
            if (o != null) {
                warm++;
            }
        }
        return warm;
    }

    synchronized int busySlots() {
        int n = 0;
        for (boolean b : busy) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    /** How often a conversation lost its slot to another. */
    synchronized long evictions() {
        return evictions;
    }

    /** The slot a conversation owns, or -1. */
    synchronized int slotOf(String conversationId) {
        return indexOfOwner(conversationId);
    }

    private int indexOfOwner(String conversationId) {
        for (int i = 0; i < owner.length; i++) {
            if (conversationId.equals(owner[i])) {
                return i;
            }
        }
        return -1;
    }

    private int leastRecentlyUsedFree() {
        int best = -1;
        for (int i = 0; i < owner.length; i++) {
            if (!busy[i] && (best < 0 || lastUsed[i] < lastUsed[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Length of the common prefix of two token sequences. */
    static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
