package dev.parley.client.batch;

/** Receives progress while a batch runs (from the client's reply thread: keep it quick). */
@FunctionalInterface
public interface BatchProgress {

    BatchProgress NONE = (done, total, ok, failed) -> { };

    /**
     * @param done   lines finished so far in this run
     * @param total  lines this run has to do
     * @param ok     of them answered ok
     * @param failed of them failed
     */
    void update(long done, long total, long ok, long failed);
}
