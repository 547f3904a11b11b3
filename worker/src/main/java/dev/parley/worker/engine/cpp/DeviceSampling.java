package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sampling on the device (llama.cpp's backend sampling): a job whose sampling the device can do entirely has its
 * chain attached to its sequence, so the decode itself samples the token and the host reads one number instead of
 * the sequence's row of logits (128k floats on Llama 3) and running the chain over it. Engine thread only.
 *
 * <p>A chain is attached before the decode that first asks for the job's output and stays attached while the job
 * holds the sequence; it is detached when the job leaves it (finished, failed or paused: {@link SamplerChain#close}
 * detaches a chain it frees, and {@link #prepare} detaches one whose job the sequence no longer holds). Each attach
 * and detach makes llama.cpp reserve its graph again at the next decode, once per job rather than per step. Grammar
 * jobs stay on the host, beside device-sampled ones in the same batch: llama.cpp then copies that micro-batch's
 * logits as before. In {@link DeviceSamplingMode#SAMPLED} (what {@code auto} means on a GPU) plain greedy jobs stay on
 * the host too: their argmax over the copied logits costs less than the sampler ops in the graph.
 */
final class DeviceSampling {

    private static final Logger log = LoggerFactory.getLogger(DeviceSampling.class);

    private final Pointer context;
    private final DeviceSamplingMode mode;
    /** The chain attached to each sequence, by id, as this class attached it; null for none. */
    private final SamplerChain[] attached;
    private boolean attachLogged;
    private boolean refusalLogged;

    /** {@code mode} as resolved for the engine's device: {@link DeviceSamplingMode#ON}, {@code SAMPLED} or {@code OFF}. */
    DeviceSampling(Pointer context, int sequences, DeviceSamplingMode mode) {
        this.context = context;
        this.mode = mode;
        this.attached = new SamplerChain[sequences];
    }

    /**
     * Whether the device can do all of the job's sampling: everything but a grammar, which llama.cpp runs on the host
     * only, and log probabilities, which are read from the host's row of logits ({@link TokenLogprobs}); and not a
     * turn of several answers, whose forks sample their first token from the host's row of the prompt ({@link Forks}).
     */
    static boolean capable(NativeJob job) {
        return job.request.sampling().grammar() == null && !TokenLogprobs.needsHostLogits(job.request.sampling())
                && job.request.sampling().n() == 1;
    }

    /**
     * Before a decode, once the batch is filled: detaches the chains whose job left their sequence, then attaches the
     * chain of each capable job whose output this decode computes. A chain llama.cpp would run partly on the host
     * stays on the host for the job's life (logged once per engine).
     */
    void prepare(Sequence[] sequences) {
        if (mode == DeviceSamplingMode.OFF) {
            return;
        }
        for (Sequence sequence : sequences) {
            SamplerChain chain = attached[sequence.id];
            if (chain != null && (sequence.job == null || sequence.job.sampler != chain)) {
                chain.detach(); // nothing left to do when the chain was closed with its job
                attached[sequence.id] = null;
            }
        }
        for (Sequence sequence : sequences) {
            NativeJob job = sequence.job;
            if (job == null || job.outputIndex < 0 || attached[sequence.id] != null || job.sampler.deviceRefused()
                    || !capable(job) || (mode == DeviceSamplingMode.SAMPLED && job.sampler.plainGreedy())) {
                continue;
            }
            StringBuilder samplers = new StringBuilder();
            if (job.sampler.attach(context, sequence.id, samplers)) {
                attached[sequence.id] = job.sampler;
                if (!attachLogged) {
                    attachLogged = true;
                    log.info("Sampling on the device ({}): the first sampler chain is attached ({})", mode, samplers);
                }
            } else {
                refused(samplers);
            }
        }
    }

    private void refused(CharSequence samplers) {
        if (!refusalLogged) {
            refusalLogged = true;
            log.warn("llama.cpp cannot run a sampler chain wholly on the device ({}: '-' marks what it refused, none "
                    + "marked: it refused the chain); such jobs sample on the host, this is logged once", samplers);
        }
    }
}
