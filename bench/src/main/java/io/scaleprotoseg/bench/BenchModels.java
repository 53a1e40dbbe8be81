package io.scaleprotoseg.bench;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The benchmark models and input: random models with Cityscapes-like heads and a fixed random
 * 513 x 513 RGB image.
 *
 * <ul>
 *   <li>{@code scaleprotoseg}: 19 classes, 4 scales (ASPP dilations 6, 12, 18, 24), K = 3
 *       prototypes per class per scale (228 prototypes), D = 64, G = 3 groups per class (57
 *       groups), backbone width 32 with 2 dilated residual blocks;</li>
 *   <li>{@code protoseg}: the same backbone and ASPP (summed), one scale, K = 10 prototypes per
 *       class (190 prototypes), D = 64, no groups.</li>
 * </ul>
 */
public final class BenchModels {
    /** Side of the benchmark image (the Cityscapes crop size of DeepLab / ProtoSeg evaluation). */
    public static final int SIZE = 513;
    /** Seed of the model weights. */
    public static final long MODEL_SEED = 20240613L;
    /** Seed of the input image. */
    public static final long INPUT_SEED = 7L;

    /** ONNX output names, spelled out as a plain ONNX Runtime user would. */
    public static final String INPUT = "pixels";
    public static final String MASK = "mask";
    public static final String LOGITS = "logits";
    public static final String GROUP_ACTIVATIONS = "group_activations";
    public static final String PROTOTYPE_ACTIVATIONS = "prototype_activations";

    private BenchModels() {
    }

    /** The model kind named on the command line or in a JMH parameter. */
    public static ModelKind kind(String name) {
        return ModelKind.fromId(name.trim().toLowerCase(Locale.ROOT));
    }

    /** The random model spec of a kind. */
    public static RandomModels.Spec spec(ModelKind kind) {
        int[] dilations = {6, 12, 18, 24};
        switch (kind) {
            case SCALEPROTOSEG:
                return new RandomModels.Spec(kind, 19, dilations, 3, 3, 64, 32, 2, List.of(), MODEL_SEED);
            case PROTOSEG:
                return new RandomModels.Spec(kind, 19, dilations, 10, 0, 64, 32, 2, List.of(), MODEL_SEED);
            default:
                return new RandomModels.Spec(kind, 19, dilations, 0, 0, 64, 32, 2, List.of(), MODEL_SEED);
        }
    }

    /** Writes the model of {@code kind} into a new temporary directory and returns the file. */
    public static Path writeModel(ModelKind kind) throws IOException {
        Path dir = Files.createTempDirectory("scaleprotoseg-bench-");
        Path file = dir.resolve(kind.id() + "-bench.onnx");
        InferenceGraphWriter.write(RandomModels.build(spec(kind)), file);
        return file;
    }

    /** Deletes a file written by {@link #writeModel} and its directory. */
    public static void deleteModel(Path file) {
        if (file == null) {
            return;
        }
        Path dir = file.getParent();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover temp file is harmless
        }
    }

    /** A fixed random RGB image in 0..1, CHW. */
    public static float[] randomImage(int width, int height) {
        SplittableRandom rnd = new SplittableRandom(INPUT_SEED);
        float[] chw = new float[3 * width * height];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = (float) rnd.nextDouble();
        }
        return chw;
    }

    /**
     * The ONNX outputs the SDK requests at an evidence level for a model kind when the image runs
     * at its own size (Segmenter: mask + logits, plus group activations at GROUPS and FULL and
     * prototype activations at FULL; a ProtoSeg model's evidence is its prototype activations).
     */
    public static List<String> outputs(ModelKind kind, Evidence evidence) {
        List<String> out = new ArrayList<>(List.of(MASK, LOGITS));
        if (evidence != Evidence.NONE && kind.hasPrototypes()) {
            if (kind.hasGroups()) {
                out.add(GROUP_ACTIVATIONS);
                if (evidence == Evidence.FULL) {
                    out.add(PROTOTYPE_ACTIVATIONS);
                }
            } else {
                out.add(PROTOTYPE_ACTIVATIONS);
            }
        }
        return out;
    }

    /** The median of {@code v} (the mean of the two middle values for an even count); {@code v} is not changed. */
    public static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** VmRSS and VmHWM of this process ({@code /proc/self/status}), bytes. */
    public static long[] rssAndPeak() {
        long rss = 0;
        long hwm = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    rss = kb(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kb(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status", e);
        }
        return new long[] {rss, hwm};
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }

    /** Resets VmHWM to the current RSS (writes 5 to {@code /proc/self/clear_refs}); false where the kernel does not allow it. */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Threads: {@code n > 0} as given, 0 = every available processor. */
    /** Adds a backend option given as {@code key=value} on a runner's command line to {@code m}. */
    public static void putOption(Map<String, String> m, String kv) {
        int eq = kv.indexOf('=');
        if (eq < 1) {
            throw new IllegalArgumentException("option '" + kv + "' is not key=value");
        }
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    public static int threads(int n) {
        return n > 0 ? n : Runtime.getRuntime().availableProcessors();
    }
}
