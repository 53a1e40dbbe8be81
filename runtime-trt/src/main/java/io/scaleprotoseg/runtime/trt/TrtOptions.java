package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The TensorRT backend's settings, read from the {@code trt.*} options of
 * {@code Segmenter.Builder.option(key, value)} (see the package documentation for each key).
 * Validation happens before any native library is touched, so a typo fails fast and the same way
 * on every host, with an {@link IllegalArgumentException} naming the option.
 *
 * @param precision {@code trt.precision}
 * @param profile {@code trt.min_shape}, {@code trt.opt_shape}, {@code trt.max_shape}
 * @param workspaceBytes {@code trt.workspace_mb} in bytes; 0 leaves TensorRT's default (the device memory)
 * @param cacheDir {@code trt.cache_dir}, else the builder's optimizedModelCache; null for no engine cache
 * @param timingCache {@code trt.timing_cache} when it names a file; null for the default
 * @param timingCacheEnabled false when {@code trt.timing_cache=none}
 * @param device {@code trt.device}: the CUDA device index
 * @param contexts {@code trt.contexts}: most execution contexts, i.e. concurrent runs
 * @param outputs {@code trt.outputs}: the outputs the engine computes; null for every output the model has
 * @param builderOptimizationLevel {@code trt.builder_optimization_level} 0..5; -1 for TensorRT's default (3)
 */
public record TrtOptions(Precision precision, ShapeProfile profile, long workspaceBytes, Path cacheDir, Path timingCache,
        boolean timingCacheEnabled, int device, int contexts, Set<ModelOutput> outputs, int builderOptimizationLevel) {

    public static final String PRECISION = "trt.precision";
    public static final String MIN_SHAPE = "trt.min_shape";
    public static final String OPT_SHAPE = "trt.opt_shape";
    public static final String MAX_SHAPE = "trt.max_shape";
    public static final String WORKSPACE_MB = "trt.workspace_mb";
    public static final String CACHE_DIR = "trt.cache_dir";
    public static final String TIMING_CACHE = "trt.timing_cache";
    public static final String DEVICE = "trt.device";
    public static final String CONTEXTS = "trt.contexts";
    public static final String OUTPUTS = "trt.outputs";
    public static final String BUILDER_OPTIMIZATION_LEVEL = "trt.builder_optimization_level";

    /** Every key this backend reads. */
    public static final List<String> KEYS = List.of(PRECISION, MIN_SHAPE, OPT_SHAPE, MAX_SHAPE, WORKSPACE_MB, CACHE_DIR,
            TIMING_CACHE, DEVICE, CONTEXTS, OUTPUTS, BUILDER_OPTIMIZATION_LEVEL);

    /** Default {@code trt.contexts}. */
    public static final int DEFAULT_CONTEXTS = 2;
    /** Largest {@code trt.contexts}. */
    public static final int MAX_CONTEXTS = 64;
    /** The value of {@code trt.timing_cache} that disables the timing cache. */
    public static final String NONE = "none";

    public TrtOptions {
        outputs = outputs == null ? null : Collections.unmodifiableSet(EnumSet.copyOf(outputs));
    }

    /** The defaults: FP32, the default profile, no cache, device 0, two contexts, every output. */
    public static TrtOptions defaults() {
        return parse(Map.of(), null);
    }

    /**
     * Reads and validates the {@code trt.*} options; other keys (e.g. {@code ort.*}) are ignored.
     *
     * @param optimizedModelCache the builder's cache directory, used when {@code trt.cache_dir} is absent
     * @throws IllegalArgumentException naming the option for an unknown {@code trt.*} key or a bad value
     */
    public static TrtOptions parse(Map<String, String> options, Path optimizedModelCache) {
        for (String key : new TreeSet<>(options.keySet())) {
            if (key.startsWith("trt.") && !KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown TensorRT option " + key + "; the TensorRT backend reads "
                        + String.join(", ", KEYS));
            }
        }
        Precision precision = options.containsKey(PRECISION)
                ? Precision.parse(options.get(PRECISION), "option " + PRECISION) : Precision.FP32;
        ShapeProfile profile = ShapeProfile.derive(options.get(MIN_SHAPE), options.get(OPT_SHAPE), options.get(MAX_SHAPE),
                "option " + MIN_SHAPE, "option " + OPT_SHAPE, "option " + MAX_SHAPE);
        long inputBytes = 4L * profile.max().n() * 3 * profile.max().h() * profile.max().w();
        if (inputBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("option " + MAX_SHAPE + "=" + profile.max().text() + " needs an input buffer of "
                    + (inputBytes >> 20) + " MB, more than the 2 GB this backend handles per run; lower the batch or size");
        }
        long workspaceMb = longOption(options, WORKSPACE_MB, 0, 1, 1L << 24);
        Path cacheDir = options.containsKey(CACHE_DIR) ? path(options, CACHE_DIR) : optimizedModelCache;
        String t = options.get(TIMING_CACHE);
        boolean timingOff = t != null && t.strip().equalsIgnoreCase(NONE);
        Path timing = t != null && !timingOff ? path(options, TIMING_CACHE) : null;
        int device = (int) longOption(options, DEVICE, 0, 0, 1023);
        int contexts = (int) longOption(options, CONTEXTS, DEFAULT_CONTEXTS, 1, MAX_CONTEXTS);
        int level = (int) longOption(options, BUILDER_OPTIMIZATION_LEVEL, -1, 0, 5);
        Set<ModelOutput> outputs = options.containsKey(OUTPUTS) ? outputs(options.get(OUTPUTS)) : null;
        return new TrtOptions(precision, profile, workspaceMb << 20, cacheDir, timing, !timingOff, device, contexts, outputs,
                level);
    }

    /**
     * The timing-cache file for a GPU: {@code trt.timing_cache} when given; else, with an engine
     * cache directory, {@code timing-<gpu tag>.cache} in it; else none (null).
     */
    public Path timingCacheFile(String gpuTag) {
        if (!timingCacheEnabled) {
            return null;
        }
        if (timingCache != null) {
            return timingCache;
        }
        return cacheDir == null ? null : cacheDir.resolve("timing-" + gpuTag + ".cache");
    }

    /** The options as {@code key=value} pairs that reproduce these settings (cache directory excluded). */
    public String summary() {
        StringBuilder sb = new StringBuilder(precision.id()).append(", profile ").append(profile.describe());
        if (workspaceBytes > 0) {
            sb.append(", workspace ").append(workspaceBytes >> 20).append(" MB");
        }
        if (builderOptimizationLevel >= 0) {
            sb.append(", builder optimisation level ").append(builderOptimizationLevel);
        }
        if (outputs != null) {
            sb.append(", outputs ").append(outputNames(outputs));
        }
        return sb.toString();
    }

    /** The ONNX names of a set of outputs, in the enum's order, comma-separated. */
    static String outputNames(Set<ModelOutput> outputs) {
        StringBuilder sb = new StringBuilder();
        for (ModelOutput o : EnumSet.copyOf(outputs)) {
            sb.append(sb.length() == 0 ? "" : ",").append(o.onnxName());
        }
        return sb.toString();
    }

    private static Set<ModelOutput> outputs(String text) {
        Set<ModelOutput> set = EnumSet.noneOf(ModelOutput.class);
        for (String part : text.split(",")) {
            String name = part.strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            ModelOutput found = null;
            for (ModelOutput o : ModelOutput.values()) {
                if (o.onnxName().equals(name)) {
                    found = o;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("option " + OUTPUTS + "='" + text + "': '" + part.strip()
                        + "' is not a model output; use a comma-separated list of mask, logits, group_activations, "
                        + "prototype_activations");
            }
            set.add(found);
        }
        if (!set.contains(ModelOutput.LOGITS)) {
            throw new IllegalArgumentException("option " + OUTPUTS + "='" + text + "' must include logits (every "
                    + "segmentation needs them)");
        }
        return set;
    }

    private static Path path(Map<String, String> options, String key) {
        String v = options.get(key).strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("option " + key + " is empty; give a path");
        }
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("option " + key + "='" + v + "' is not a valid path: " + e.getMessage(), e);
        }
    }

    private static long longOption(Map<String, String> options, String key, long def, long min, long max) {
        String v = options.get(key);
        if (v == null) {
            return def;
        }
        long n;
        try {
            n = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + "='" + v + "' is not a whole number", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("option " + key + "=" + n + " is out of range " + min + ".." + max);
        }
        return n;
    }
}
