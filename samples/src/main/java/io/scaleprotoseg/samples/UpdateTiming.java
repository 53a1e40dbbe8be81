package io.scaleprotoseg.samples;

import ai.djl.Device;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.InMemoryDataset;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.phase.Phase;
import io.scaleprotoseg.trainer.phase.Trainer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import io.scaleprotoseg.trainer.phase.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Wall time of a configuration's updates on this machine, measured with a short scratch run in a
 * temporary directory that is deleted afterwards: {@code warmup} and {@code joint} updates, no
 * fine-tuning and no stage 2, validation on one image; the first {@code skip} joint updates are not timed.
 * Used by {@code demo} to size its schedules and by {@code train --dry-run} for its time estimate.
 * Not thread-safe (it sets the PyTorch thread count of the calling process).
 *
 * @param setupMs from the start of the scratch run to its first update: network, weights or
 *     batch-norm calibration on the training crops, first batch
 * @param jointMs mean wall time of one timed joint update
 */
record UpdateTiming(double setupMs, double jointMs) {
    /**
     * Runs the scratch training.
     *
     * @param trainImages how many of the first training images the scratch run sees (0: all)
     * @param scratchParent where the temporary run directory is made
     */
    static UpdateTiming measure(TrainingConfig config, SegmentationDataset train, SegmentationDataset val, Device device,
            int warmup, int joint, int skip, int trainImages, Path scratchParent) throws Exception {
        TrainingConfig cfg = config.withSteps(warmup, joint, 0).withStageTwo(0, 0, config.lrGroups(), config.lambdaEntropy(),
                config.lambdaL1Groups(), config.threshold()).withIntervals(0, 1000, 1);
        SegmentationDataset t = trainImages <= 0 || trainImages >= train.size() ? train : first(train, trainImages);
        SegmentationDataset v = first(val, 1);
        Path dir = Files.createTempDirectory(scratchParent, ".timing");
        List<Long> ends = new ArrayList<>();
        long[] firstUpdate = {0};
        long start = System.nanoTime();
        TrainingListener timer = new TrainingListener() {
            @Override
            public void phaseStarted(Phase phase, int step, int total) {
                if (phase == Phase.JOINT) {
                    ends.add(System.nanoTime());
                }
            }

            @Override
            public void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
                if (firstUpdate[0] == 0) {
                    firstUpdate[0] = System.nanoTime();
                }
                if (phase == Phase.JOINT) {
                    ends.add(System.nanoTime());
                }
            }
        };
        try {
            new Trainer(cfg, t, v, dir, timer, null).device(device).run(false);
        } finally {
            DemoCommand.deleteTree(dir);
        }
        if (ends.size() < skip + 2) {
            throw new IllegalStateException("timing run logged " + ends.size() + " joint updates");
        }
        double jointMs = (ends.get(ends.size() - 1) - ends.get(skip)) / 1e6 / (ends.size() - 1 - skip);
        return new UpdateTiming((firstUpdate[0] - start) / 1e6, jointMs);
    }

    /**
     * The wall time of a whole run of {@code c}: the measured setup, plus every other part from
     * {@link DemoPlan#cost}'s relative costs with the unit taken from the measured joint update.
     */
    double estimateMs(TrainingConfig c, int trainImages, int valImages, long imageArea) {
        double unitMs = jointMs / DemoPlan.heavy(c.network().method());
        // the cost model's fixed start-up part is replaced by the measured one
        double units = DemoPlan.cost(c, trainImages, valImages, imageArea) - DemoPlan.START_UNITS;
        return setupMs + units * unitMs;
    }

    /** "1 h 5 min", "12 min", "40 s". */
    static String duration(double ms) {
        long s = Math.round(ms / 1000);
        if (s < 90) {
            return s + " s";
        }
        long min = Math.round(ms / 60_000);
        return min < 90 ? min + " min" : String.format(Locale.ROOT, "%d h %d min", min / 60, min % 60);
    }

    private static SegmentationDataset first(SegmentationDataset d, int n) throws DatasetException {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(n, d.size()); i++) {
            samples.add(d.get(i));
        }
        return new InMemoryDataset(d.name(), d.labels(), d.parts(), samples);
    }
}
