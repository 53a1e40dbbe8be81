package io.scaleprotoseg.samples;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendInfo;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.trainer.checkpoint.CheckpointException;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.trainer.phase.Evaluator;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * How {@code demo} measures an exported model on the test split through the SDK (ONNX Runtime on
 * the CPU): mIoU, per-class IoU and pixel accuracy against the test labels, and latency; and, for
 * the hidden {@code --compare-latency}, the trainer's own eager forward pass on the same images.
 *
 * <p>Latency is the median wall time of one {@code Segmenter.segment(float[] CHW, w, h)} call
 * (preprocessing, inference, mask; {@code Evidence.NONE}) after {@link #WARMUP} calls that are not
 * counted, over the test split run through as often as it takes to time at least
 * {@link #MIN_TIMED} calls (masks are scored on the first pass only); with evidence, the same with
 * {@code Evidence.FULL} (every output and the evidence bookkeeping). The trainer's latency is the
 * median wall time of {@code Evaluator.predict} (PyTorch forward with grad mode off, logits to Java,
 * bilinear upsampling and argmax, the same post-processing the SDK does), timed the same way on the
 * same images and thread count.
 */
final class DemoEvaluation {
    /** Calls before timing starts. */
    static final int WARMUP = 3;
    /** At least this many timed calls: the test split is run through several times when it is smaller. */
    static final int MIN_TIMED = 200;

    private DemoEvaluation() {
    }

    /**
     * One model's figures on the test split.
     *
     * @param latencyMs median ms per image, mask only
     * @param evidenceLatencyMs median ms per image with full evidence; NaN for black-box models
     */
    record Result(String id, ModelKind kind, Path model, ModelCard card, double meanIou, double[] classIou,
            double pixelAccuracy, int images, double latencyMs, double evidenceLatencyMs) {
        int prototypes() {
            return card.prototypes().size();
        }

        double prototypesPerGroup() {
            return ModelExports.prototypesPerGroup(card);
        }
    }

    /** Sees every full-evidence segmentation of the test split, in order. */
    interface Visitor {
        void visit(int index, Sample sample, BufferedImage image, Segmentation s, BackendInfo backend) throws IOException;
    }

    /** A test image as the SDK takes it and as overlays need it. */
    record TestImage(Sample sample, BufferedImage image) {
    }

    static List<TestImage> images(List<Sample> test) {
        return test.stream().map(s -> new TestImage(s,
                io.scaleprotoseg.trainer.data.ImageFiles.toBufferedImage(s.image(), s.width(), s.height()))).toList();
    }

    /**
     * Segments the test split with the model: masks against the labels and timed calls; then, for
     * a model with prototypes, a second timed pass with full evidence whose results go to
     * {@code visitor} (may be null).
     *
     * @param threads ONNX Runtime intra-op threads
     */
    static Result evaluate(String id, Path model, List<TestImage> test, int threads, int ignoreLabel, Visitor visitor)
            throws ScaleProtoSegException, IOException {
        ModelCard card;
        ConfusionMatrix cm;
        int n = test.size();
        int rounds = rounds(n);
        double[] times = new double[n * rounds];
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.NONE)
                .intraOpThreads(threads).build()) {
            card = seg.card();
            cm = new ConfusionMatrix(card.numClasses(), ignoreLabel);
            warmUp(seg, test.get(0).sample());
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < n; i++) {
                    Sample s = test.get(i).sample();
                    long t0 = System.nanoTime();
                    Segmentation r = seg.segment(s.image(), s.width(), s.height());
                    times[round * n + i] = (System.nanoTime() - t0) / 1e6;
                    if (round == 0) {
                        cm.add(s.labels(), r.mask());
                    }
                }
            }
        }
        double evidenceMs = Double.NaN;
        if (card.method().hasPrototypes()) {
            double[] full = new double[n * rounds];
            try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL)
                    .intraOpThreads(threads).build()) {
                warmUp(seg, test.get(0).sample());
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < n; i++) {
                        Sample s = test.get(i).sample();
                        long t0 = System.nanoTime();
                        Segmentation r = seg.segment(s.image(), s.width(), s.height());
                        full[round * n + i] = (System.nanoTime() - t0) / 1e6;
                        if (round == 0 && visitor != null) {
                            visitor.visit(i, s, test.get(i).image(), r, seg.backendInfo());
                        }
                    }
                }
            }
            evidenceMs = median(full);
        }
        return new Result(id, card.method(), model, card, cm.meanIou(), cm.iou(), cm.pixelAccuracy(), n, median(times),
                evidenceMs);
    }

    private static void warmUp(Segmenter seg, Sample first) throws ScaleProtoSegException {
        for (int i = 0; i < WARMUP; i++) {
            seg.segment(first.image(), first.width(), first.height());
        }
    }

    /** Passes over {@code n} test images that time at least {@link #MIN_TIMED} calls. */
    static int rounds(int n) {
        return Math.max(1, (MIN_TIMED + n - 1) / n);
    }

    /** The median ms per image of the trainer's eager forward pass (with post-processing) over the test split. */
    static double trainerLatencyMs(Path checkpoint, List<TestImage> test, Device device) throws CheckpointException {
        int n = test.size();
        int rounds = rounds(n);
        double[] times = new double[n * rounds];
        try (NDManager manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
                TrainedModel model = TrainedModel.load(checkpoint, manager)) {
            JniUtils.setGradMode(false);
            Sample first = test.get(0).sample();
            for (int i = 0; i < WARMUP; i++) {
                Evaluator.predict(model.network(), first, manager);
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < n; i++) {
                    Sample s = test.get(i).sample();
                    long t0 = System.nanoTime();
                    Evaluator.predict(model.network(), s, manager);
                    times[round * n + i] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        return median(times);
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
