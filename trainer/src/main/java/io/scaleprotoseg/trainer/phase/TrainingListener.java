package io.scaleprotoseg.trainer.phase;

import java.util.Map;

/** Receives training progress (for progress bars and logs). Methods are called on the training thread. */
public interface TrainingListener {
    /** A phase starts (or resumes at {@code step}) with {@code total} updates. */
    default void phaseStarted(Phase phase, int step, int total) {
    }

    /** An update finished with these loss terms and learning rates. */
    default void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
    }

    /** A validation run finished. */
    default void evaluated(Phase phase, int step, Evaluator.Result result) {
    }

    /** Something worth telling the user (projection summary, pruning, checkpoints). */
    default void message(String text) {
    }

    /** A listener that ignores everything. */
    TrainingListener NONE = new TrainingListener() { };
}
