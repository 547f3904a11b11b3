package dev.parley.gateway.batch;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.http.Router;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.gateway.ops.GatewayMetrics;
import java.time.Clock;
import java.time.Duration;
import redis.clients.jedis.RedisClient;

/** The files and batches API and the runner behind it; all state in Redis ({@link BatchStore}). */
public final class BatchApi implements AutoCloseable {

    /** How many batches one gateway runs at once. */
    public static final int MAX_BATCHES = 2;

    private final FilesRoutes files;
    private final BatchesRoutes batches;
    private final BatchRunner runner;

    /**
     * @param owner      names this gateway's leases (unique per gateway process)
     * @param lease      how long a lease lasts unless renewed: how soon a dead gateway's batches move on
     * @param scan       how often to look for batches without a live lease
     * @param inFlight   lines of one batch in flight at once
     */
    public BatchApi(RedisClient redis, ParleyClient client, ModelCatalog models, GatewayMetrics metrics, String owner,
                    Duration lease, Duration scan, int inFlight, Duration requestTimeout) {
        Clock clock = Clock.systemUTC();
        BatchStore store = new BatchStore(redis);
        Ids ids = new Ids();
        this.files = new FilesRoutes(store, ids, clock);
        BatchJob.Context ctx = new BatchJob.Context(store, files, ids, new BatchLines(models), client, metrics, clock,
                owner, lease.toMillis(), inFlight, requestTimeout);
        this.runner = new BatchRunner(ctx, scan, MAX_BATCHES);
        this.batches = new BatchesRoutes(store, ids, clock, runner::wake);
    }

    public void addRoutes(Router router) {
        router.add("POST", "/v1/files", files::upload)
                .add("GET", "/v1/files/{id}", files::get)
                .add("GET", "/v1/files/{id}/content", files::content)
                .add("POST", "/v1/batches", batches::create)
                .add("GET", "/v1/batches", batches::list)
                .add("GET", "/v1/batches/{id}", batches::get)
                .add("POST", "/v1/batches/{id}/cancel", batches::cancel);
    }

    public void start() {
        runner.start();
    }

    @Override
    public void close() {
        runner.close();
    }
}
