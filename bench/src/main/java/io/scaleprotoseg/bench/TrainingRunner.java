package io.scaleprotoseg.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.InMemoryDataset;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.optim.Adam;
import io.scaleprotoseg.trainer.phase.Phase;
import io.scaleprotoseg.trainer.phase.PhaseSchedule;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.StepProfile;
import io.scaleprotoseg.trainer.phase.Trainer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import io.scaleprotoseg.trainer.phase.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Seconds per training update and peak resident memory of the trainer at the paper's scale, next
 * to the floor it compares to:
 * <ul>
 *   <li><b>update</b>: the trainer's own joint-phase updates ({@link Trainer} with a
 *       {@link StepProfile}), the first {@code --skip} not measured; where the time goes, part by part;
 *   <li><b>forward</b>: the same network's forward pass through DJL with gradient recording off;
 *   <li><b>forward+backward</b>: the forward pass with recording on and the backward pass of the
 *       mean of the logits: the libtorch work of an update without our loss terms;
 *   <li><b>Adam</b>: the optimiser step alone on those gradients.
 * </ul>
 * {@code --mode time} (default) runs one floor round after each measured update, in one process,
 * so that both see the same machine load, and prints the ratio. Memory is measured without the
 * floor's network in the process: {@code --mode memory} (the trainer alone) and
 * {@code --mode floor-memory} (the floor alone). Peak resident memory is the kernel's high-water
 * mark (VmHWM), reset through {@code /proc/self/clear_refs} before each measured stretch. The data
 * are built-in scenes at 1024x512 (Cityscapes' aspect) in a 19-class label space like
 * Cityscapes. The trainer calibrates its frozen batch norm (random initialisation, as a run without
 * {@code --weights}) and is stopped after the joint updates (projection would follow). The floor's
 * network is calibrated the same way on its input: an uncalibrated random ResNet-101 ran its forward
 * pass 2x slower than the calibrated one here (measured at crop 513, batch 2: values far from the
 * trained range), which would flatter the trainer ({@code --uncalibrated-floor} shows it).
 *
 * <pre>
 * TrainingRunner [--mode time|memory|floor-memory] [--crop 321] [--batch 1] [--msc] [--method scaleprotoseg]
 *                [--depth 101] [--width-divisor 1] [--updates 3] [--skip 1] [--threads 0] [--uncalibrated-floor]
 * </pre>
 */
public final class TrainingRunner {
    private TrainingRunner() {
    }

    /** Thrown by the listener to end the scratch run once the measured updates are done. */
    private static final class Enough extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Enough() {
            super("measured updates done", null, false, false);
        }
    }

    public static void main(String[] args) throws Exception {
        int crop = 321;
        int batch = 1;
        boolean msc = false;
        ModelKind method = ModelKind.SCALEPROTOSEG;
        ResNetLayout.Depth depth = ResNetLayout.Depth.R101;
        int widthDivisor = 1;
        int updates = 3;
        int skip = 1;
        int threads = 0;
        String mode = "time";
        boolean calibrateFloor = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--msc" -> msc = true;
                case "--uncalibrated-floor" -> calibrateFloor = false;
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--crop" -> crop = Integer.parseInt(v);
                        case "--batch" -> batch = Integer.parseInt(v);
                        case "--method" -> method = ModelKind.fromId(v);
                        case "--depth" -> depth = ResNetLayout.Depth.valueOf("R" + v);
                        case "--width-divisor" -> widthDivisor = Integer.parseInt(v);
                        case "--updates" -> updates = Integer.parseInt(v);
                        case "--skip" -> skip = Integer.parseInt(v);
                        case "--mode" -> mode = v;
                        case "--threads" -> threads = Integer.parseInt(v);
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
        }
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(n);

        NetworkConfig.Builder nb = Presets.get("cityscapes", method).network().toBuilder().depth(depth).widthDivisor(widthDivisor);
        if (msc) {
            nb.mscScales(List.of(0.5, 0.75));
        }
        NetworkConfig network = nb.build();
        TrainingConfig cfg = Presets.get("cityscapes", method).toBuilder().network(network).crop(crop).batchSize(batch)
                .iterationSize(1).warmupSteps(1).jointSteps(skip + updates).finetuneSteps(0).groupWarmupSteps(0)
                .groupJointSteps(0).evalEvery(0).checkpointEvery(1_000_000).valLimit(1).build();
        SegmentationDataset data = scenes(network.numClasses());
        System.out.printf(Locale.ROOT, "%s %s/%d, crop %d, batch %d%s, %d threads; data: %d built-in scenes of 1024x512%n",
                method.name().toLowerCase(Locale.ROOT), depth, widthDivisor, crop, batch, msc ? ", multi-scale input x1 x0.5 x0.75"
                : "", n, data.size());
        System.out.printf(Locale.ROOT, "resident before the network: %.2f GB%n", BenchModels.rssAndPeak()[0] / 1e9);

        List<double[]> floors = new ArrayList<>();
        switch (mode) {
            case "time" -> {
                double updateMs;
                try (Floor f = new Floor(cfg, calibrateFloor)) {
                    updateMs = trainerUpdates(cfg, data, skip, updates, f, floors);
                }
                double fwd = BenchModels.median(floors.stream().mapToDouble(x -> x[0]).toArray());
                double fwdBwd = BenchModels.median(floors.stream().mapToDouble(x -> x[1]).toArray());
                double adam = BenchModels.median(floors.stream().mapToDouble(x -> x[2]).toArray());
                System.out.printf(Locale.ROOT, "floor (median of %d rounds, one after each measured update): forward %.0f ms, "
                        + "forward+backward %.0f ms, Adam %.0f ms; forward+backward+Adam %.0f ms%n", floors.size(), fwd, fwdBwd,
                        adam, fwdBwd + adam);
                System.out.printf(Locale.ROOT, "floor gradients: %.4f%% subnormal%n",
                        100 * BenchModels.median(floors.stream().mapToDouble(x -> x[5]).toArray()));
                System.out.printf(Locale.ROOT, "update / (forward+backward+Adam floor) = %.3f; update / forward = %.2f%n",
                        updateMs / (fwdBwd + adam), updateMs / fwd);
            }
            case "memory" -> trainerUpdates(cfg, data, skip, updates, null, floors);
            case "floor-memory" -> {
                try (Floor f = new Floor(cfg, calibrateFloor)) {
                    for (int r = 0; r < 2; r++) {
                        floors.add(f.round(true));
                    }
                }
                double[] last = floors.get(floors.size() - 1);
                System.out.printf(Locale.ROOT, "floor alone: forward %.0f ms, peak resident %.2f GB; forward+backward+Adam "
                        + "%.0f ms, peak resident %.2f GB (second round)%n", last[0], last[3] / 1e9, last[1] + last[2],
                        last[4] / 1e9);
            }
            default -> throw new IllegalArgumentException("--mode is time, memory or floor-memory, not " + mode);
        }
    }

    /**
     * The trainer's joint updates, profiled; prints the parts and, without a floor, the peak
     * memory of the measured updates. With a floor, one floor round runs after each measured update
     * (in the listener, whose time the profile leaves out), so both see the same machine load. Returns the
     * mean milliseconds of a measured update.
     */
    private static double trainerUpdates(TrainingConfig cfg, SegmentationDataset data, int skip, int updates, Floor floor,
            List<double[]> floors) throws Exception {
        StepProfile profile = new StepProfile(Phase.JOINT, skip);
        long[] peak = {0};
        long[] calibrationPeak = {0};
        Path dir = Files.createTempDirectory("training-runner");
        clearPeak();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void phaseStarted(Phase phase, int step, int total) {
                if (phase == Phase.WARMUP) {
                    calibrationPeak[0] = BenchModels.rssAndPeak()[1];
                }
                if (phase == Phase.PROJECTION) {
                    throw new Enough();
                }
            }

            @Override
            public void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
                if (phase != Phase.JOINT) {
                    return;
                }
                if (step == skip) {
                    clearPeak();
                }
                if (step == skip + updates) {
                    peak[0] = BenchModels.rssAndPeak()[1];
                }
                if (floor != null) {
                    double[] r = floor.round(false);
                    if (step > skip) {
                        floors.add(r);
                    }
                    // the trainer's thread records no gradients outside its updates
                    JniUtils.setGradMode(false);
                }
            }
        };
        long start = System.nanoTime();
        try {
            new Trainer(cfg, data, data, dir, listener, null).profile(profile).run(false);
        } catch (Enough e) {
            // the measured updates are done
        } finally {
            deleteTree(dir);
        }
        double total = profile.totalMs();
        System.out.printf(Locale.ROOT, "scratch run %.0f s%n", (System.nanoTime() - start) / 1e9);
        if (floor == null) {
            System.out.printf(Locale.ROOT, "peak resident: batch-norm calibration and set-up %.2f GB; measured updates %.2f GB%n",
                    calibrationPeak[0] / 1e9, peak[0] / 1e9);
        }
        System.out.printf(Locale.ROOT, "update (mean of %d joint updates after %d): %.0f ms%n", profile.updates(), skip, total);
        double outside = 0;
        double parts = 0;
        for (Map.Entry<StepProfile.Part, Double> e : profile.perPartMs().entrySet()) {
            parts += e.getValue();
            if (!e.getKey().libtorch()) {
                outside += e.getValue();
            }
            System.out.printf(Locale.ROOT, "  %-12s %8.1f ms  %5.1f%%%n", e.getKey().name().toLowerCase(Locale.ROOT), e.getValue(),
                    100 * e.getValue() / total);
        }
        System.out.printf(Locale.ROOT, "  %-12s %8.1f ms  %5.1f%%%n", "unaccounted", total - parts, 100 * (total - parts) / total);
        System.out.printf(Locale.ROOT, "  Java-side parts (data wait, labels, bookkeeping): %.1f ms, %.2f%% of the update%n", outside,
                100 * outside / total);
        return total;
    }

    /** The floor: a fresh network of the same configuration with the joint phase's trainable parameters. */
    private static final class Floor implements AutoCloseable {
        private final NDManager base = NDManager.newBaseManager();
        private final ParameterSet params = new ParameterSet(base);
        private final Adam adam = new Adam(base);
        private final SegmentationNetwork net;
        private final float[] pixels;
        private final Shape shape;

        Floor(TrainingConfig cfg, boolean calibrate) {
            Initialization.create(cfg.network(), params, cfg.seed());
            net = new SegmentationNetwork(cfg.network(), params, PrototypeTable.initial(cfg.network()));
            params.setTrainable(new PhaseSchedule(cfg).trainable(Phase.JOINT));
            pixels = new float[cfg.batchSize() * 3 * cfg.crop() * cfg.crop()];
            SplittableRandom rnd = new SplittableRandom(7);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) rnd.nextDouble();
            }
            shape = new Shape(cfg.batchSize(), 3, cfg.crop(), cfg.crop());
            if (calibrate) {
                // frozen batch norm from the input's statistics, as the trainer does for a random backbone
                JniUtils.setGradMode(false);
                try (NDManager m = base.newSubManager()) {
                    net.calibrateBatchNorm(OwnedTensors.of(m, pixels, shape), 1);
                }
            }
        }

        /**
         * One round: forward ms, forward+backward ms, Adam ms, and with {@code peaks} the forward's
         * and the forward+backward+Adam's peak resident bytes (else 0).
         */
        double[] round(boolean peaks) {
            JniUtils.setGradMode(false);
            if (peaks) {
                clearPeak();
            }
            long t0 = System.nanoTime();
            try (NDManager m = base.newSubManager()) {
                net.forward(OwnedTensors.of(m, pixels, shape));
            }
            long t1 = System.nanoTime();
            long fwdPeak = peaks ? BenchModels.rssAndPeak()[1] : 0;
            if (peaks) {
                clearPeak();
            }
            long t2 = System.nanoTime();
            try (NDManager m = base.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                SegmentationNetwork.Outputs o = net.forward(OwnedTensors.of(m, pixels, shape));
                gc.backward(o.logits().mean());
            }
            JniUtils.setGradMode(false);
            long t3 = System.nanoTime();
            double denormal = denormalShare();
            long t3b = System.nanoTime();
            adam.step(params, g -> 1e-9, 0f, 1f);
            long t4 = System.nanoTime();
            long trainPeak = peaks ? BenchModels.rssAndPeak()[1] : 0;
            return new double[] {(t1 - t0) / 1e6, (t3 - t2) / 1e6, (t4 - t3b) / 1e6, fwdPeak, trainPeak, denormal};
        }

        /** The share of gradient elements that are subnormal floats (slow on x86 without flush-to-zero). */
        private double denormalShare() {
            long count = 0;
            long total = 0;
            try (NDManager scratch = base.newSubManager()) {
                for (String name : params.names()) {
                    NDArray w = params.get(name);
                    if (!w.hasGradient()) {
                        continue;
                    }
                    NDArray g = w.getGradient();
                    g.attach(scratch);
                    NDArray a = g.abs();
                    count += a.lt(Float.MIN_NORMAL).logicalAnd(a.gt(0f)).countNonzero().getLong();
                    total += g.size();
                }
            }
            return total == 0 ? 0 : (double) count / total;
        }

        @Override
        public void close() {
            adam.close();
            params.close();
            base.close();
        }
    }

    /** Built-in scenes at 1024x512 in a label space of {@code classes} classes (the scenes use the first seven). */
    private static SegmentationDataset scenes(int classes) throws Exception {
        SegmentationDataset s = Scenes.defaults().withSize(1024, 512).withCounts(8, 1, 0).dataset(Split.TRAIN);
        List<ModelCard.ClassInfo> infos = new ArrayList<>(Scenes.LABELS.classes());
        for (int c = infos.size(); c < classes; c++) {
            infos.add(new ModelCard.ClassInfo(c, "class " + c, "#808080"));
        }
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            samples.add(s.get(i));
        }
        return new InMemoryDataset("scenes-1024x512", new LabelSpace(infos, Scenes.LABELS.ignoreLabel()), s.parts(), samples);
    }

    /** Resets the kernel's peak resident set size of this process to its current size. */
    private static void clearPeak() {
        if (!BenchModels.resetPeak()) {
            throw new IllegalStateException("cannot reset the peak resident size (/proc/self/clear_refs) here");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
