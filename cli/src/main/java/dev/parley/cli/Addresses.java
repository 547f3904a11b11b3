package dev.parley.cli;

import dev.parley.testkit.ParleyInfra;

/** Prints where the stack listens, one {@code NAME=value} per line, so any client in any language can use it. */
final class Addresses {

    private Addresses() {
    }

    static void print(ParleyInfra infra) {
        System.out.println("PARLEY_BOOTSTRAP=" + infra.bootstrapServers());
        System.out.println("PARLEY_REDIS=" + infra.redisUri());
        System.out.flush();
    }
}
