package io.scaleprotoseg.runtime.ort;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of ONNX Runtime's TensorRT execution provider ({@code ORT_TENSORRT}), read from the
 * same {@code trt.*} option keys as the TensorRT backend of {@code scaleprotoseg-runtime-trt}, so
 * that one set of options serves both: {@code trt.precision}, {@code trt.min_shape},
 * {@code trt.opt_shape}, {@code trt.max_shape}, {@code trt.workspace_mb}, {@code trt.cache_dir}.
 * The TensorRT backend's other keys ({@code trt.contexts}, {@code trt.outputs}, ...) do not apply
 * here and are ignored.
 *
 * @param fp16 {@code trt.precision=fp16}
 * @param minShape {@code trt.min_shape} as {@code NxCxHxW}; when only some of the three shapes are given the
 *     others are derived as the TensorRT backend derives them; null when none is given (then ONNX Runtime
 *     builds engines for the shapes it meets)
 * @param optShape {@code trt.opt_shape}
 * @param maxShape {@code trt.max_shape}
 * @param workspaceBytes {@code trt.workspace_mb} in bytes, 0 for ONNX Runtime's default
 * @param cacheDir {@code trt.cache_dir}, else {@code <optimizedModelCache>/ort-tensorrt}; null for no engine cache
 */
record OrtTensorRtOptions(boolean fp16, int[] minShape, int[] optShape, int[] maxShape, long workspaceBytes, Path cacheDir) {
    static final String PRECISION = "trt.precision";
    static final String MIN_SHAPE = "trt.min_shape";
    static final String OPT_SHAPE = "trt.opt_shape";
    static final String MAX_SHAPE = "trt.max_shape";
    static final String WORKSPACE_MB = "trt.workspace_mb";
    static final String CACHE_DIR = "trt.cache_dir";
    // the TensorRT backend's default profile
    private static final int[] DEFAULT_MIN = {1, 3, 32, 32};
    private static final int[] DEFAULT_OPT = {1, 3, 513, 513};
    private static final int[] DEFAULT_MAX = {1, 3, 2048, 2048};

    /**
     * Reads the options.
     *
     * @throws IllegalArgumentException naming the option for a bad value or an inconsistent profile
     */
    static OrtTensorRtOptions parse(Map<String, String> options, Path optimizedModelCache) {
        boolean fp16 = false;
        String p = options.get(PRECISION);
        if (p != null) {
            String v = p.strip().toLowerCase(Locale.ROOT);
            if (!v.equals("fp32") && !v.equals("fp16")) {
                throw new IllegalArgumentException("option " + PRECISION + "='" + p + "' is not a precision; use fp32 or fp16");
            }
            fp16 = v.equals("fp16");
        }
        int[] min = shape(options, MIN_SHAPE);
        int[] opt = shape(options, OPT_SHAPE);
        int[] max = shape(options, MAX_SHAPE);
        boolean any = min != null || opt != null || max != null;
        if (any) {
            // the missing ones as the TensorRT backend derives them (ShapeProfile.derive in runtime-trt)
            if (min != null && min[0] != 1) {
                throw new IllegalArgumentException("option " + MIN_SHAPE + "='" + text(min) + "': the smallest batch must "
                        + "be 1 so that single images can run");
            }
            int[] given = opt != null ? opt : max;
            if (max == null) {
                max = max(max(DEFAULT_MAX, opt != null ? opt : DEFAULT_MIN), min != null ? min : DEFAULT_MIN);
            }
            if (min == null) {
                min = min(DEFAULT_MIN, given != null ? given : DEFAULT_MIN);
            }
            if (opt == null) {
                opt = min(max(DEFAULT_OPT, min), max);
            }
            for (int i = 0; i < 4; i++) {
                if (min[i] > opt[i] || opt[i] > max[i]) {
                    throw new IllegalArgumentException("options " + MIN_SHAPE + ", " + OPT_SHAPE + ", " + MAX_SHAPE
                            + " must satisfy min <= opt <= max in every dimension, got " + text(min) + ", " + text(opt)
                            + ", " + text(max));
                }
            }
        }
        long workspace = 0;
        String ws = options.get(WORKSPACE_MB);
        if (ws != null) {
            try {
                workspace = Long.parseLong(ws.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + WORKSPACE_MB + "='" + ws + "' is not a whole number", e);
            }
            if (workspace < 1 || workspace > (1L << 24)) {
                throw new IllegalArgumentException("option " + WORKSPACE_MB + "=" + workspace + " is out of range 1.."
                        + (1L << 24));
            }
            workspace <<= 20;
        }
        Path cache = null;
        String c = options.get(CACHE_DIR);
        if (c != null) {
            try {
                cache = Path.of(c.strip());
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("option " + CACHE_DIR + "='" + c + "' is not a valid path", e);
            }
        } else if (optimizedModelCache != null) {
            cache = optimizedModelCache.resolve("ort-tensorrt");
        }
        return new OrtTensorRtOptions(fp16, min, opt, max, workspace, cache);
    }

    /** The provider options for ONNX Runtime ({@code trt_*} keys of OrtTensorRTProviderOptions). */
    Map<String, String> providerOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("trt_fp16_enable", fp16 ? "1" : "0");
        if (workspaceBytes > 0) {
            m.put("trt_max_workspace_size", Long.toString(workspaceBytes));
        }
        if (minShape != null) {
            m.put("trt_profile_min_shapes", "pixels:" + text(minShape));
            m.put("trt_profile_opt_shapes", "pixels:" + text(optShape));
            m.put("trt_profile_max_shapes", "pixels:" + text(maxShape));
        }
        if (cacheDir != null) {
            String dir = cacheDir.toAbsolutePath().toString();
            m.put("trt_engine_cache_enable", "1");
            m.put("trt_engine_cache_path", dir);
            m.put("trt_timing_cache_enable", "1");
            m.put("trt_timing_cache_path", dir);
        }
        return m;
    }

    /** One line for BackendInfo. */
    String summary() {
        return (fp16 ? "fp16" : "fp32") + (minShape == null ? ", profile from the shapes met"
                : ", profile min " + text(minShape) + ", opt " + text(optShape) + ", max " + text(maxShape))
                + (cacheDir == null ? ", no engine cache (set trt.cache_dir)" : ", engine cache " + cacheDir.toAbsolutePath());
    }

    private static int[] min(int[] a, int[] b) {
        int[] r = new int[4];
        for (int i = 0; i < 4; i++) {
            r[i] = Math.min(a[i], b[i]);
        }
        return r;
    }

    private static int[] max(int[] a, int[] b) {
        int[] r = new int[4];
        for (int i = 0; i < 4; i++) {
            r[i] = Math.max(a[i], b[i]);
        }
        return r;
    }

    private static String text(int[] s) {
        return s[0] + "x" + s[1] + "x" + s[2] + "x" + s[3];
    }

    private static int[] shape(Map<String, String> options, String key) {
        String text = options.get(key);
        if (text == null) {
            return null;
        }
        String[] parts = text.strip().toLowerCase(Locale.ROOT).replace(" ", "").split("[x,]", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("option " + key + "='" + text + "' is not a shape; write NxCxHxW with C = 3, "
                    + "e.g. 1x3x513x513");
        }
        int[] v = new int[4];
        for (int i = 0; i < 4; i++) {
            try {
                v[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + key + "='" + text + "': '" + parts[i]
                        + "' is not a whole number", e);
            }
            if (v[i] < 1) {
                throw new IllegalArgumentException("option " + key + "='" + text + "': dimensions must be positive");
            }
        }
        if (v[1] != 3) {
            throw new IllegalArgumentException("option " + key + "='" + text + "': the channel dimension must be 3 (RGB), got "
                    + v[1]);
        }
        return v;
    }
}
