package dev.parley.worker.engine.cpp;

import java.util.Arrays;

/** A growable list of token ids without boxing: the tokens a sequence's KV cells hold, from position 0. */
final class TokenList {

    private int[] values = new int[256];
    private int size;

    int size() {
        return size;
    }

    void add(int token) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = token;
    }

    void addAll(int[] tokens, int from, int to) {
        for (int i = from; i < to; i++) {
            add(tokens[i]);
        }
    }

    void truncate(int newSize) {
        size = Math.min(size, newSize);
    }

    void clear() {
        size = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }

    /** Length of the common prefix of this list and {@code tokens}. */
    int commonPrefix(int[] tokens) {
        return commonPrefix(values, size, tokens);
    }

    static int commonPrefix(int[] a, int aSize, int[] b) {
        int n = Math.min(aSize, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
