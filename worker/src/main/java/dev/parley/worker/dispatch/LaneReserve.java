package dev.parley.worker.dispatch;

import dev.parley.worker.engine.InferenceEngine;

/** The interactive reserve a worker's dispatcher gets from its engine. */
public final class LaneReserve {

    private LaneReserve() {
    }

    /**
     * One reserved place per slot when the engine preempts (so an interactive turn reaches the engine while every
     * slot runs a batch turn, and the engine pauses one for it); none otherwise (an interactive turn then takes the
     * next free place ahead of queued batch turns, and waits for it).
     */
    public static LanePolicy forEngine(LanePolicy lanes, InferenceEngine engine) {
        return lanes.withInteractiveReserve(engine.preempts() ? engine.info().slots() : 0);
    }
}
