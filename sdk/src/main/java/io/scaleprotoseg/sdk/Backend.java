package io.scaleprotoseg.sdk;

import java.util.Locale;

/**
 * Where a model runs. Providers for the concrete backends are found on the class path with
 * {@link java.util.ServiceLoader} (module {@code scaleprotoseg-runtime-ort} serves the three ONNX
 * Runtime backends, {@code scaleprotoseg-runtime-trt} serves TensorRT).
 */
public enum Backend {
    /**
     * Try TensorRT, then ONNX Runtime CUDA, then ONNX Runtime CPU; keep the first that opens.
     * {@link #ORT_TENSORRT} is never tried by AUTO (see there).
     */
    AUTO,
    /** ONNX Runtime, CPU execution provider. */
    ORT_CPU,
    /** ONNX Runtime, CUDA execution provider (needs CUDA 12 and cuDNN 9 on the host). */
    ORT_CUDA,
    /** TensorRT through the org.bytedeco presets. */
    TENSORRT,
    /**
     * ONNX Runtime with its own TensorRT execution provider (CUDA execution provider for any node
     * TensorRT does not take). Needs TensorRT 10 built for CUDA 12, CUDA 12 and cuDNN 9 on the host.
     * Only on explicit request: {@link #AUTO} does not try it, because it builds TensorRT engines
     * while the model opens (minutes on a first start, without a warning to the caller), and because
     * its TensorRT (the CUDA 12 build) should not share a process with the CUDA 13 build of TensorRT
     * that {@link #TENSORRT}, tried first, loads: both are {@code libnvinfer.so.10}.
     */
    ORT_TENSORRT;

    /**
     * The order in which {@link #AUTO} tries the concrete backends: TensorRT, ONNX Runtime CUDA,
     * ONNX Runtime CPU. {@link #ORT_TENSORRT} is deliberately absent.
     */
    static final Backend[] AUTO_ORDER = {TENSORRT, ORT_CUDA, ORT_CPU};

    /**
     * Parses the command-line spelling ({@code auto}, {@code ort-cpu}, {@code ort-cuda},
     * {@code tensorrt}, {@code ort-tensorrt}).
     */
    public static Backend parse(String text) {
        String key = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Backend b : values()) {
            if (b.name().equals(key)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + text
                + "': use one of auto, ort-cpu, ort-cuda, tensorrt, ort-tensorrt");
    }

    /** The command-line spelling. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
