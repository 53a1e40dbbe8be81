package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The time budget of {@code demo}: what a training run costs, and how far its step counts must be
 * scaled down to fit the time left.
 *
 * <p><b>Cost model.</b> Costs are counted in <i>units</i>: the measured wall time of one joint
 * update of the DeepLabv2 baseline (the calibration run at the start of the demo measures it on
 * the machine at hand). Relative costs were measured on a 2-core x86 machine with the {@code scenes}
 * preset (one PyTorch thread; ms per update: DeepLabv2 warm-up 28 / joint 35, ProtoSeg 32 / 38 and
 * fine-tune 17, ScaleProtoSeg 38 / 42, fine-tune and stage 2 20-23; forward pass of a 128x96 image
 * about 8 ms) and are rounded up, so that the estimate errs on the long side:
 * <ul>
 * <li>warm-up and joint updates: 1.0 (DeepLabv2), 1.2 (ProtoSeg), 1.3 (ScaleProtoSeg);
 * <li>fine-tune and stage-2 updates (backbone frozen): 0.7;
 * <li>the forward pass of one full image (validation, projection, pruning): 0.25 x (image area /
 *     crop area);
 * <li>per checkpoint written: 1; per run: 10 (start, batch-norm calibration on 16 crops, threads).
 * </ul>
 * The estimate is multiplied by {@link #SAFETY}. After each model the demo compares the measured
 * training time with the estimate and rescales the unit for the models still to train.
 *
 * <p><b>Scaling.</b> A factor f in (0, 1] multiplies every phase's step count (rounded, at least
 * {@link #MIN_STEPS}, a phase of 0 steps stays 0) and the validation and checkpoint intervals
 * (at least {@link #MIN_EVAL_EVERY} and {@link #MIN_CHECKPOINT_EVERY}); f = 1 is the preset. The
 * largest f whose estimate fits the time left is taken; all models share it, so that their
 * results stay comparable (a later model can only get a smaller f, when training runs slower than
 * estimated).
 */
final class DemoPlan {
    /** Fewest updates of a phase that has any. */
    static final int MIN_STEPS = 3;
    static final int MIN_EVAL_EVERY = 5;
    static final int MIN_CHECKPOINT_EVERY = 10;
    /** Factor on every estimate. */
    static final double SAFETY = 1.2;
    /** Images of the batch-norm calibration of a randomly initialised backbone (Trainer). */
    static final int CALIBRATION_CROPS = 16;
    /** Cost of a run's start in units: 10 for start and threads, 0.1 per batch-norm calibration crop. */
    static final double START_UNITS = 10 + CALIBRATION_CROPS * 0.1;

    private DemoPlan() {
    }

    /** Training updates of a configuration by phase, in order (the phases Trainer runs). */
    static Map<String, Integer> phaseSteps(TrainingConfig c) {
        Map<String, Integer> m = new LinkedHashMap<>();
        ModelKind kind = c.network().method();
        m.put("warmup", c.warmupSteps());
        m.put("joint", c.jointSteps());
        if (kind.hasPrototypes()) {
            m.put("finetune", c.finetuneSteps());
        }
        if (kind == ModelKind.PROTOSEG) {
            m.put("finetune-after-prune", c.finetuneSteps());
        }
        if (kind == ModelKind.SCALEPROTOSEG && c.groupWarmupSteps() + c.groupJointSteps() > 0) {
            m.put("group-warmup", c.groupWarmupSteps());
            m.put("group-joint", c.groupJointSteps());
        }
        return m;
    }

    /** All updates of a configuration. */
    static int updates(TrainingConfig c) {
        return phaseSteps(c).values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * The estimated cost of a whole run in units (without {@link #SAFETY}).
     *
     * @param trainImages images of the training split (projection and pruning pass over all of them)
     * @param valImages images of the validation split
     * @param imageArea pixels of one image
     */
    static double cost(TrainingConfig c, int trainImages, int valImages, long imageArea) {
        ModelKind kind = c.network().method();
        double heavy = heavy(kind);
        double forward = 0.25 * imageArea / ((double) c.crop() * c.crop());
        int validated = c.valLimit() == 0 ? valImages : Math.min(c.valLimit(), valImages);
        double units = START_UNITS;
        int evaluations = evaluations(c);
        int checkpoints = 2;
        for (Map.Entry<String, Integer> e : phaseSteps(c).entrySet()) {
            int steps = e.getValue();
            boolean backbone = e.getKey().equals("warmup") || e.getKey().equals("joint");
            units += steps * (backbone ? heavy : 0.7);
            checkpoints += 1 + (steps > 0 ? (steps - 1) / c.checkpointEvery() : 0);
        }
        if (kind.hasPrototypes()) {
            units += trainImages * forward;
            checkpoints += 1;
        }
        if (kind == ModelKind.PROTOSEG) {
            units += trainImages * forward * 1.5;
            checkpoints += 1;
        }
        // a best.ckpt may follow every validation
        checkpoints += evaluations;
        units += evaluations * validated * forward + checkpoints;
        return units;
    }

    /** Validation runs of a configuration, as {@link #cost} counts them. */
    static int evaluations(TrainingConfig c) {
        int evaluations = 1;
        for (int steps : phaseSteps(c).values()) {
            evaluations += 1 + (c.evalEvery() > 0 && steps > 0 ? (steps - 1) / c.evalEvery() : 0);
        }
        return evaluations + (c.network().method().hasPrototypes() ? 1 : 0);
    }

    /** Cost of a warm-up or joint update of {@code kind}, in units. */
    static double heavy(ModelKind kind) {
        return switch (kind) {
            case DEEPLABV2 -> 1.0;
            case PROTOSEG -> 1.2;
            case SCALEPROTOSEG -> 1.3;
        };
    }

    /** The configuration with every phase's steps and the intervals scaled by {@code f} (1: unchanged). */
    static TrainingConfig scale(TrainingConfig c, double f) {
        if (f >= 1) {
            return c;
        }
        TrainingConfig s = c.withSteps(steps(c.warmupSteps(), f), steps(c.jointSteps(), f), steps(c.finetuneSteps(), f))
                .withStageTwo(steps(c.groupWarmupSteps(), f), steps(c.groupJointSteps(), f), c.lrGroups(), c.lambdaEntropy(),
                        c.lambdaL1Groups(), c.threshold());
        int eval = c.evalEvery() == 0 ? 0 : Math.max(MIN_EVAL_EVERY, (int) Math.round(c.evalEvery() * f));
        int checkpoint = Math.max(Math.min(MIN_CHECKPOINT_EVERY, c.checkpointEvery()), (int) Math.round(c.checkpointEvery() * f));
        return s.withIntervals(eval, checkpoint, c.valLimit());
    }

    private static int steps(int n, double f) {
        return n == 0 ? 0 : Math.max(MIN_STEPS, (int) Math.round(n * f));
    }

    /** A factor and whether even the smallest schedule does not fit. */
    record Fit(double factor, boolean tooSmall) {
    }

    /**
     * The largest factor in (0, 1] whose estimated cost (with {@link #SAFETY}) of all
     * {@code configs} fits {@code availableMs}; the smallest schedule when none fits.
     *
     * @param unitMs the measured wall time of one unit
     */
    static Fit fit(List<TrainingConfig> configs, double availableMs, double unitMs, int trainImages, int valImages,
            long imageArea) {
        if (estimateMs(configs, 1, unitMs, trainImages, valImages, imageArea) <= availableMs) {
            return new Fit(1, false);
        }
        double lo = 0;
        double hi = 1;
        if (estimateMs(configs, 1e-9, unitMs, trainImages, valImages, imageArea) > availableMs) {
            return new Fit(1e-9, true);
        }
        for (int i = 0; i < 40; i++) {
            double mid = (lo + hi) / 2;
            if (estimateMs(configs, mid, unitMs, trainImages, valImages, imageArea) <= availableMs) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return new Fit(Math.max(lo, 1e-9), false);
    }

    /** The estimated wall time of training all {@code configs} scaled by {@code f}, with {@link #SAFETY}. */
    static double estimateMs(List<TrainingConfig> configs, double f, double unitMs, int trainImages, int valImages,
            long imageArea) {
        double units = 0;
        for (TrainingConfig c : configs) {
            units += cost(scale(c, f), trainImages, valImages, imageArea);
        }
        return SAFETY * units * unitMs;
    }
}
