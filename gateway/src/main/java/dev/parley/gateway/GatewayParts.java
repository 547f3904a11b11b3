package dev.parley.gateway;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.http.Router;
import dev.parley.gateway.ops.GatewayMetrics;
import redis.clients.jedis.RedisClient;

/** The parts that need Redis and run in the background: the batch API. Without Redis there are none. */
final class GatewayParts {

    GatewayParts(GatewayConfig config, ParleyClient client, RedisClient redis, GatewayMetrics metrics) {
    }

    void addBatchRoutes(Router router) {
    }

    void startBackground() {
    }

    void stopBackground() {
    }
}
