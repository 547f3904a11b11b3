package dev.parley.gateway.http;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * How much of a request body the gateway reads, and how slowly it lets it arrive. A body is refused with 413 as soon
 * as it is known to be too large (from its {@code Content-Length}, else when the bytes read pass the limit), and with
 * 408 when no byte came for {@code idleTimeout} or, after {@code grace}, it arrives slower than
 * {@code minBytesPerSecond}: a client cannot hold a pool thread by trickling.
 *
 * @param maxBytes          the limit for every route not in {@code perRoute}
 * @param perRoute          limits by route pattern ({@code /v1/files}: uploads)
 * @param idleTimeout       the longest pause between two pieces of a body
 * @param minBytesPerSecond the slowest average rate accepted once {@code grace} has passed (0: no minimum)
 * @param grace             how long a body may take before the rate is judged
 * @param maxJsonDepth      the deepest nesting of arrays and objects a JSON body may have (400 past it)
 * @param maxJsonStringChars the longest string a JSON body may hold (400 past it)
 */
public record BodyLimits(long maxBytes, Map<String, Long> perRoute, Duration idleTimeout, long minBytesPerSecond,
                         Duration grace, int maxJsonDepth, int maxJsonStringChars) {

    public BodyLimits {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
        }
        perRoute = Map.copyOf(perRoute);
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(grace, "grace");
        if (minBytesPerSecond < 0) {
            throw new IllegalArgumentException("minBytesPerSecond must be >= 0, got " + minBytesPerSecond);
        }
        if (maxJsonDepth < 1 || maxJsonStringChars < 1) {
            throw new IllegalArgumentException("maxJsonDepth and maxJsonStringChars must be >= 1, got "
                    + maxJsonDepth + " and " + maxJsonStringChars);
        }
    }

    /** A JSON reader that refuses documents past these limits while it parses, before any tree is built. */
    public JsonMapper jsonMapper() {
        StreamReadConstraints constraints = StreamReadConstraints.builder().maxNestingDepth(maxJsonDepth)
                .maxStringLength(maxJsonStringChars).maxDocumentLength(maxBytes).build();
        return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(constraints).build()).build();
    }

    /** The body limit of the route with this pattern. */
    public long maxBytesFor(String routePattern) {
        return perRoute.getOrDefault(routePattern, maxBytes);
    }
}
