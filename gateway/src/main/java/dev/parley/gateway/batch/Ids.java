package dev.parley.gateway.batch;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random ids in OpenAI's style ({@code file-...}, {@code batch_...}): unguessable, so ids cannot be enumerated. */
final class Ids {

    private final SecureRandom random = new SecureRandom();

    String next(String prefix) {
        byte[] bytes = new byte[12];
        random.nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }
}
