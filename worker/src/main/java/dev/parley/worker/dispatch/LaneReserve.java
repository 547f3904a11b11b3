package dev.parley.worker.dispatch;

import dev.parley.worker.engine.InferenceEngine;

/** The interactive reserve a worker's dispatcher gets from its engine. */
public final class LaneReserve {

    private LaneReserve() {
    }

    /**
     * One reserved place per slot when the engine preempts (so an interactive turn reaches the engine while every
     * slot runs a batch turn, and the engine pauses one for it) or holds prepared turns beyond its slots (so an
     * interactive turn reaches the engine's queue, where it goes ahead of the prepared batch turns, instead of
     * waiting outside while they take each slot that frees); none otherwise (an interactive turn then takes the next
     * free place ahead of queued batch turns, and waits for it).
     */
    public static LanePolicy forEngine(LanePolicy lanes, InferenceEngine engine) {
        int slots = engine.info().slots();
        boolean needsReserve = engine.preempts() || engine.turnsInFlight() > slots;
        return lanes.withInteractiveReserve(needsReserve ? slots : 0);
    }
}
