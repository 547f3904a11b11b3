package dev.parley.worker.cli;

import dev.parley.worker.ForwardingEngine;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.TokenListener;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code parley worker} as it ships (same command, settings, health monitor and exit statuses) with faults injected
 * into its engine by conversation id, so a test can break a real worker process from outside:
 * <ul>
 *   <li>{@value #KILL_ENGINE}: the real engine runs the turn with a token listener that throws an {@link Error},
 *       which kills the engine thread as a bug in it would;</li>
 *   <li>{@value #HANG}: the turn's call into the engine never returns and ignores interrupts, like a stuck native
 *       call.</li>
 * </ul>
 */
public final class FaultInjectingWorkerMain {

    public static final String KILL_ENGINE = "fault-kill-engine";
    public static final String HANG = "fault-hang";

    private FaultInjectingWorkerMain() {
    }

    public static void main(String[] args) {
        System.exit(WorkerMain.run(SettingsOptions.install(new CommandLine(new WorkerCommand(FaultyEngine::new))),
                args));
    }

    /** The real engine, with the faults above. */
    private static final class FaultyEngine extends ForwardingEngine {

        FaultyEngine(InferenceEngine delegate) {
            super(delegate);
        }

        @Override
        public Generation generate(GenerationRequest request, TokenListener listener) {
            if (request.conversationId().startsWith(KILL_ENGINE)) {
                return delegate.generate(request, text -> {
                    throw new Error("injected fault: the engine thread dies");
                });
            }
            if (request.conversationId().startsWith(HANG)) {
                while (true) {
                    try {
                        TimeUnit.SECONDS.sleep(1);
                    } catch (InterruptedException ignored) {
                        // a stuck native call does not answer interrupts either
                    }
                }
            }
            return delegate.generate(request, listener);
        }
    }
}
