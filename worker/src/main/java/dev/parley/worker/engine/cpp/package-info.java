/**
 * The native engine: llama.cpp's C API through JNA, one engine thread that owns the context, and the turn threads
 * that hand it jobs.
 *
 * <h2>A job's way through one engine step</h2>
 * <pre>
 *  turn thread                    engine thread (NativeEngine.run, one pass per step)
 *  -----------                    ---------------------------------------------------
 *  generate(): fit the transcript,
 *  tokenize, check the grammar
 *      |
 *      v
 *  submitted (a blocking queue) --drainTo--> waiting (EngineState)
 *                                                |
 *                                  Admission.admit: lane order, a sequence for each job that can start
 *                                  (its own, an empty one, or the least recently used idle one; the
 *                                  conversation's KV restored from RAM, disk or a shared prefix)
 *                                                |
 *                                  Preemption.pauseForWaiting: a batch job paused for each interactive
 *                                  job still waiting (its KV parked on the job), then admit again
 *                                                |
 *                                                v
 *                                            running (EngineState)
 *                                                |
 *                                  DecodeStep.step: the prompt budget shared in running order, the
 *                                  batch filled in sequence order, llama_decode; while the device
 *                                  computes, the last step's text and outcomes go to the turns
 *                                  (HandOver); the wait for the device, sampling, stop strings
 *                                                |
 *                                  finish: stop, length, cancelled, deadline, failure or abandoned;
 *                                  the sequence is released and keeps the conversation's KV
 *      ^                                         |
 *      +-- the job's future completes (HandOver) +
 *  outcome(): the Generation, or the error
 * </pre>
 *
 * <h2>Who writes which {@link dev.parley.worker.engine.cpp.NativeJob} field</h2>
 * <ul>
 *   <li>Final fields ({@code request}, {@code prompt}, {@code droppedTurns}, {@code listener}, {@code startNanos},
 *       {@code fork}), {@code sharedPrefix} and {@code forks} (the jobs of a turn's further answers, {@link
 *       dev.parley.worker.engine.cpp.Forks}): the turn thread, before the job is submitted; read-only afterwards.</li>
 *   <li>{@code abandoned}: the turn thread (volatile), read by the engine thread at the next step.</li>
 *   <li>The outcome (its future): the engine thread completes it; the turn thread only fails it when the engine
 *       thread has died or refused the job while closing.</li>
 *   <li>Placement ({@code sequence}, {@code tier}, {@code cachedTokens}, {@code restoredTokens},
 *       {@code prefixTokens}, {@code diskTokens}, {@code cursor}, {@code sampler}, {@code text},
 *       {@code admittedNanos}): {@code Admission} when the job starts; {@code cursor} then advances in
 *       {@code DecodeStep}, {@code captureAt} is set by {@code PrefixTier}.</li>
 *   <li>Per step ({@code outputIndex}, {@code pending}, {@code generated}, {@code firstTokenNanos}):
 *       {@code DecodeStep}; {@code handOverFailure}: {@code HandOver}, when the listener throws.</li>
 *   <li>Pausing ({@code parked}, {@code preemptions}, and clearing {@code sequence}): {@code Preemption}.</li>
 * </ul>
 * All but the first three lines are engine thread only: no lock guards them, and nothing else may touch them.
 */
package dev.parley.worker.engine.cpp;
