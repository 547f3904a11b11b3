package dev.parley.gateway.batch;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.http.Router;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.gateway.ops.GatewayMetrics;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.RedisClient;

/** The files and batches API and the runner behind it; all state in Redis ({@link BatchStore}). */
public final class BatchApi implements AutoCloseable {

    /** How many batches one gateway runs at once. */
    public static final int MAX_BATCHES = 2;

    private final FilesRoutes files;
    private final BatchesRoutes batches;
    private final BatchRunner runner;
    private final ScheduledExecutorService replies;

    /**
     * @param redis where files and batches live (the history Redis unless configured apart)
     */
    public BatchApi(RedisClient redis, ParleyClient client, ModelCatalog models, GatewayMetrics metrics,
                    BatchSettings settings) {
        Clock clock = Clock.systemUTC();
        BatchStore store = new BatchStore(redis);
        Ids ids = new Ids();
        this.files = new FilesRoutes(store, ids, clock, settings.storage());
        AtomicInteger n = new AtomicInteger();
        // Results are recorded here, off the SDK's reply thread; rate-limited lines wait here to be sent again.
        this.replies = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "gateway-batch-replies-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        BatchJob.Context ctx = new BatchJob.Context(store, files, ids, new BatchLines(models), client, metrics, clock,
                settings, replies);
        this.runner = new BatchRunner(ctx, settings.scan(), MAX_BATCHES);
        this.batches = new BatchesRoutes(store, ids, clock, runner::wake, settings.storage());
    }

    public void addRoutes(Router router) {
        router.add("POST", "/v1/files", files::upload)
                .add("GET", "/v1/files", files::list)
                .add("GET", "/v1/files/{id}", files::get)
                .add("DELETE", "/v1/files/{id}", files::delete)
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
        replies.shutdownNow();
    }
}
