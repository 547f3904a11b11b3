/**
 * Parley's producer SDK: {@link dev.parley.client.ParleyClient} sends prompts to a Parley pool over Kafka and hands
 * back their replies, whole or streamed; {@link dev.parley.client.batch} pushes batch files.
 *
 * <h2>Threads</h2>
 * Futures of plain requests complete on the client's reply thread: use the {@code *Async} variants of {@link
 * java.util.concurrent.CompletableFuture} for blocking follow-up work. Streamed requests deliver their chunks, then
 * complete, on the client's delivery threads ({@link ParleyClient.Builder#deliveryThreads(int)}), each request in
 * order: a slow chunk callback or subscriber delays its own stream only. The client is thread-safe; share one per
 * application and {@link ParleyClient#close()} it on shutdown.
 *
 * <h2>Outages and quotas</h2>
 * Broker outages are waited out: the reply reader retries with a capped backoff ({@link
 * ParleyClient#listenerRetries()} counts the retries) and never stops before {@link ParleyClient#close()}. Once it
 * has failed for longer than the {@linkplain ParleyClient.Builder#outageTimeout(java.time.Duration) outage timeout},
 * requests waiting for replies fail with a {@link ParleyUnreachableException} saying since when and why, rather than
 * waiting out their own timeouts; the client keeps trying and answers again once the broker is back. A reply record
 * it cannot read (a compressed record declaring gigabytes, a corrupt one) is stepped past by its offset and counted;
 * {@link ParleyClient#health()} tells all of it.
 *
 * <p>A request whose tenant ({@link SendOptions.Builder#tenant(String)}) is over its token quota fails with a {@link
 * ParleyRateLimitedException} saying when to send it again.
 *
 * <h2>Models and admission</h2>
 * A pool may serve several models, each on its own prompts topic. A prompt that names one ({@link
 * SendOptions.Builder#model(String)}, or {@link dev.parley.schemas.Prompt#model()}) goes to the topic its workers
 * announce on the models topic ({@link ParleyClient.Builder#modelsTopic(String)}); a model nobody announces is
 * refused before anything is sent, with an {@link UnknownModelException} listing the served ones ({@link
 * ParleyClient#servedModels()}). A prompt that names no model goes to {@link
 * ParleyClient.Builder#promptsTopic(String)}, as in a single-model pool.
 *
 * <p>With an {@link ParleyClient.Builder#admission(AdmissionPolicy) admission policy}, an interactive request naming
 * a model whose pool has more work waiting than the policy allows (from the load its workers announce, {@link
 * ParleyClient#modelLoad(String)}) is refused before anything is sent, with a {@link ParleyOverloadedException}
 * saying when to try again; batch requests are always sent.
 */
package dev.parley.client;
