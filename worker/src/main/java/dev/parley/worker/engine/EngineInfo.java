package dev.parley.worker.engine;

/**
 * @param model          the model's name, reported in replies
 * @param slots          sequences decoded in parallel
 * @param contextPerSlot tokens of context each conversation gets (prompt + answer)
 */
public record EngineInfo(String model, int slots, int contextPerSlot) {
}
