package io.scaleprotoseg.sdk;

/**
 * Where a model runs. Providers for the concrete backends are found on the class path with
 * {@link java.util.ServiceLoader} (module {@code scaleprotoseg-runtime-ort} serves the two ONNX
 * Runtime backends, {@code scaleprotoseg-runtime-trt} serves TensorRT).
 */
public enum Backend {
    /** Try TensorRT, then ONNX Runtime CUDA, then ONNX Runtime CPU; keep the first that opens. */
    AUTO,
    /** ONNX Runtime, CPU execution provider. */
    ORT_CPU,
    /** ONNX Runtime, CUDA execution provider (needs CUDA 12 and cuDNN 9 on the host). */
    ORT_CUDA,
    /** TensorRT through the org.bytedeco presets. */
    TENSORRT;

    /** The order in which {@link #AUTO} tries the concrete backends. */
    static final Backend[] AUTO_ORDER = {TENSORRT, ORT_CUDA, ORT_CPU};

    /** Parses the command-line spelling ({@code auto}, {@code ort-cpu}, {@code ort-cuda}, {@code tensorrt}). */
    public static Backend parse(String text) {
        String key = text.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (Backend b : values()) {
            if (b.name().equals(key)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + text
                + "': use one of auto, ort-cpu, ort-cuda, tensorrt");
    }

    /** The command-line spelling. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
