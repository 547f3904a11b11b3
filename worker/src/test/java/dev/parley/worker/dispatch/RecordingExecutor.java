package dev.parley.worker.dispatch;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

/** Records submitted jobs and runs them only when told, so dispatch order is tested without threads. */
final class RecordingExecutor implements Executor {

    private final Deque<Runnable> jobs = new ArrayDeque<>();

    @Override
    public void execute(Runnable job) {
        jobs.addLast(job);
    }

    int pending() {
        return jobs.size();
    }

    /** Runs the oldest submitted job on this thread. */
    void runNext() {
        Runnable job = jobs.pollFirst();
        if (job == null) {
            throw new AssertionError("no job submitted");
        }
        job.run();
    }
}
