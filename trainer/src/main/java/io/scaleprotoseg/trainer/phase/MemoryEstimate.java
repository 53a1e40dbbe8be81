package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The peak resident memory a training run will need, from a model of activation sizes: the
 * process's base (JVM, libtorch), the parameters with their gradients and Adam state, and one
 * update's activations, which the autograd graph keeps until the backward pass. Activations are
 * counted per element of every convolution output of the backbone and head at the crop (and at
 * each extra input scale), times the bytes that the forward and backward pass hold per such element.
 *
 * <p>That factor (4 bytes) and the 38 bytes per parameter (16 for the parameter, its gradient and
 * Adam's two moments; the rest is what the JVM heap and the native allocator keep beyond them, which
 * grows with the model) were fitted on this project's CPU machine (PyTorch 2.7.1, 2 threads, bench
 * {@code TrainingRunner --mode memory}, updates after batch-norm calibration):
 * ResNet-101 at crop 513, batch 2 (398 million activation elements per crop) peaked at 5.92 GB
 * resident, at crop 321, batch 1 (158 million) at 3.44 GB, and at crop 321, batch 1 with the
 * Pascal preset's input scales 1, 0.5, 0.75 (290 million) at 3.92 GB, and at crop 513, batch 2
 * with those scales (726 million per crop) at 8.15 GB; the estimate gives 6.06, 3.75 (there the
 * calibration's term decides; it measured 3.02 GB), 4.03 and 8.69 GB. Before the
 * trainer freed intermediate arrays as soon as they are consumed, the factor was 11.5 bytes (14.1
 * GB at crop 513, batch 2). It is meant to say "this will not fit"
 * before a run is killed, not to the last gigabyte. Immutable.
 *
 * @param baseBytes the process without the model (JVM heap in use, libtorch, ONNX Runtime)
 * @param parameterBytes parameters, gradients, Adam's two moments and what heap and allocator keep beyond them
 * @param activationBytes one update's activations, forward and backward
 * @param calibrationBytes the frozen batch-norm calibration of a random backbone (0 with weights)
 * @param activationElements activation elements of one update (all crops and scales)
 */
public record MemoryEstimate(long baseBytes, long parameterBytes, long activationBytes, long calibrationBytes,
        long activationElements) {
    /** Resident bytes of the process before the model: JVM, libtorch, data. */
    static final long BASE = 1L << 30;
    /** Resident bytes per parameter: itself, its gradient, two Adam moments, and what heap and allocator keep. */
    static final long BYTES_PER_PARAMETER = 38;
    /** Bytes a training update holds per activation element (forward outputs kept for backward, gradients). */
    static final double BYTES_PER_ACTIVATION = 4.0;
    /** Crops the calibration of a random backbone uses ({@link Trainer}). */
    static final int CALIBRATION_CROPS = Trainer.CALIBRATION_IMAGES;

    /** The estimated peak: the base plus the larger of the calibration and an update. */
    public long peakBytes() {
        return baseBytes + parameterBytes + Math.max(activationBytes, calibrationBytes);
    }

    /**
     * The estimate for a configuration.
     *
     * @param calibrates whether the backbone starts from random weights (then calibrated)
     */
    public static MemoryEstimate of(TrainingConfig cfg, boolean calibrates) {
        NetworkConfig n = cfg.network();
        long params = parameters(n);
        long perCrop = 0;
        long widest = 0;
        List<Double> scales = new java.util.ArrayList<>(List.of(1.0));
        for (double f : n.mscScales()) {
            if (f != 1.0) {
                scales.add(f);
            }
        }
        for (double f : scales) {
            int h = (int) Math.floor(cfg.crop() * f);
            Walk w = new Walk(h, h);
            w.ops(n.backbone(), 3);
            w.head(n);
            perCrop += w.elements;
            widest = Math.max(widest, w.widest);
        }
        long elements = perCrop * cfg.batchSize();
        long calibration = calibrates ? 4L * 4 * widest * Math.max(CALIBRATION_CROPS, cfg.batchSize()) : 0;
        return new MemoryEstimate(BASE, BYTES_PER_PARAMETER * params, (long) (BYTES_PER_ACTIVATION * elements), calibration, elements);
    }

    /** The backbone's output grid (rows, columns) for an input of {@code h} x {@code w} pixels. */
    public static int[] featureSize(NetworkConfig n, int h, int w) {
        Walk walk = new Walk(h, w);
        walk.ops(n.backbone(), 3);
        return new int[] {walk.h, walk.w};
    }

    /** Elements of the largest single activation of one crop (the widest layer output) at {@code crop}. */
    static long widestActivation(NetworkConfig n, int crop) {
        Walk w = new Walk(crop, crop);
        w.ops(n.backbone(), 3);
        return w.widest;
    }

    /** Parameter count of the network (backbone, ASPP, prototypes, last layers). */
    static long parameters(NetworkConfig n) {
        long p = 0;
        for (BackboneOp.Conv c : BackboneOp.convs(n.backbone())) {
            p += (long) c.out() * c.in() * c.kernel() * c.kernel() + (c.bias() ? c.out() : 0) + (c.bn() != null ? 4L * c.out() : 0);
        }
        p += (long) n.dilations().length * (n.branchChannels() * (long) n.backboneChannels() * 9 + n.branchChannels());
        if (n.method().hasPrototypes()) {
            long protos = n.numPrototypes();
            p += protos * n.dim() + protos * n.numClasses();
            if (n.method() == ModelKind.SCALEPROTOSEG) {
                long groups = (long) n.numClasses() * n.groupsPerClass();
                p += groups * protos + groups * n.numClasses();
            }
        }
        return p;
    }

    /** Activation elements of a forward pass at one input size. */
    private static final class Walk {
        int h;
        int w;
        long elements;
        long widest;
        private final java.util.Map<String, int[]> saved = new java.util.HashMap<>();

        Walk(int h, int w) {
            this.h = h;
            this.w = w;
        }

        int ops(List<BackboneOp> ops, int channels) {
            int c = channels;
            for (BackboneOp op : ops) {
                if (op instanceof BackboneOp.Conv conv) {
                    h = (h + 2 * conv.padding() - conv.dilation() * (conv.kernel() - 1) - 1) / conv.stride() + 1;
                    w = (w + 2 * conv.padding() - conv.dilation() * (conv.kernel() - 1) - 1) / conv.stride() + 1;
                    c = conv.out();
                    add((long) c * h * w);
                } else if (op instanceof BackboneOp.MaxPool p) {
                    h = pooled(h, p);
                    w = pooled(w, p);
                    add((long) c * h * w);
                } else if (op instanceof BackboneOp.Residual r) {
                    int h0 = h;
                    int w0 = w;
                    int out = ops(r.body(), c);
                    int h1 = h;
                    int w1 = w;
                    if (!r.shortcut().isEmpty()) {
                        h = h0;
                        w = w0;
                        ops(r.shortcut(), c);
                    }
                    h = h1;
                    w = w1;
                    c = out;
                    add((long) c * h * w);
                } else if (op instanceof BackboneOp.Save s) {
                    saved.put(s.slot(), new int[] {c, h, w});
                } else if (op instanceof BackboneOp.UpsampleConcat u) {
                    int[] s = saved.get(u.slot());
                    h = s[1];
                    w = s[2];
                    c = c + s[0];
                    add((long) c * h * w);
                }
            }
            return c;
        }

        void head(NetworkConfig n) {
            long cells = (long) h * w;
            long aspp = (long) n.dilations().length * n.branchChannels() * cells;
            add(aspp);
            if (n.method().hasPrototypes()) {
                long p = n.numPrototypes();
                // sigmoid, distances (three terms) and log-activations per prototype, then groups and scores
                add(aspp + 4 * p * cells + (long) n.numClasses() * (n.groupsPerClass() + 1) * cells);
            }
        }

        private void add(long e) {
            elements += e;
            widest = Math.max(widest, e);
        }

        private static int pooled(int size, BackboneOp.MaxPool p) {
            int num = size + 2 * p.padding() - p.kernel();
            int out = (p.ceilMode() ? (num + p.stride() - 1) / p.stride() : num / p.stride()) + 1;
            // ceil mode: the last window must start inside the input or its left padding
            if (p.ceilMode() && (out - 1) * p.stride() >= size + p.padding()) {
                out--;
            }
            return out;
        }
    }

    /** The memory the machine has available now (Linux MemAvailable), or -1 when unknown. */
    public static long availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** "12.3 GB". */
    public static String gigabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }

    /** One line: the estimate and its parts. */
    public String describe() {
        return "about " + gigabytes(peakBytes()) + " at peak (parameters with gradients and Adam state " + gigabytes(parameterBytes)
                + ", one update's activations " + gigabytes(activationBytes)
                + (calibrationBytes > 0 ? ", batch-norm calibration " + gigabytes(calibrationBytes) : "") + ", process "
                + gigabytes(baseBytes) + ")";
    }
}
