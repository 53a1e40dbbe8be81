package io.scaleprotoseg.trainer.phase;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where the wall time of training updates goes, part by part: the mean over the updates of one
 * phase after its first {@code skip} (warm-up updates pay for lazy initialisation and the JIT). On
 * the CPU every libtorch operator returns when its result is computed, so wall time around a call
 * is that call's cost. Filled by {@link Trainer} when given one ({@link Trainer#profile}); read by
 * the training benchmark. Validation runs and listener callbacks are not part of an update.
 *
 * <p>Not thread-safe: the training thread writes it; read it from that thread (e.g. in a
 * {@link TrainingListener}) or after the run.
 */
public final class StepProfile {
    /** The parts of an update. */
    public enum Part {
        /** Waiting for the augmented batch (decoding and augmentation run on worker threads). */
        DATA(false),
        /** The network's forward pass, with gradient recording on. */
        FORWARD(true),
        /** Downsampling the labels to each output's grid (Java). */
        LABELS(false),
        /** The loss terms and reading their values. */
        LOSS(true),
        /** The backward pass. */
        BACKWARD(true),
        /** Freeing the update's tensors (closing its memory scope). */
        RELEASE(true),
        /** The optimiser: the finiteness check of the gradients and the Adam update. */
        OPTIMISER(true),
        /** The rest: group projection, metrics log, checkpoint writes. */
        BOOKKEEPING(false);

        private final boolean libtorch;

        Part(boolean libtorch) {
            this.libtorch = libtorch;
        }

        /** Whether the part is made of libtorch operators (false: Java work or waiting). */
        public boolean libtorch() {
            return libtorch;
        }
    }

    private final Phase phase;
    private final int skip;
    private final long[] nanos = new long[Part.values().length];
    private final long[] current = new long[Part.values().length];
    private long totalNanos;
    private int seen;
    private int updates;

    /**
     * @param phase the phase whose updates are measured
     * @param skip how many of its first updates are not
     */
    public StepProfile(Phase phase, int skip) {
        this.phase = phase;
        this.skip = skip;
    }

    /** Adds {@code elapsedNanos} to {@code part} of the current update. */
    void add(Part part, long elapsedNanos) {
        current[part.ordinal()] += elapsedNanos;
    }

    /** Ends an update of {@code p} that took {@code elapsedNanos} in all; counts it if it is measured. */
    void endUpdate(Phase p, long elapsedNanos) {
        if (p == phase && seen++ >= skip) {
            for (int i = 0; i < nanos.length; i++) {
                nanos[i] += current[i];
            }
            totalNanos += elapsedNanos;
            updates++;
        }
        Arrays.fill(current, 0);
    }

    /** Updates measured. */
    public int updates() {
        return updates;
    }

    /** Mean milliseconds per update of {@code part}. */
    public double ms(Part part) {
        return updates == 0 ? Double.NaN : nanos[part.ordinal()] / 1e6 / updates;
    }

    /** Mean milliseconds per whole update (the parts plus anything between them, which should be near zero). */
    public double totalMs() {
        return updates == 0 ? Double.NaN : totalNanos / 1e6 / updates;
    }

    /** Each part's mean milliseconds per update, in part order. */
    public Map<Part, Double> perPartMs() {
        Map<Part, Double> out = new EnumMap<>(Part.class);
        for (Part p : Part.values()) {
            out.put(p, ms(p));
        }
        return out;
    }
}
