package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Segmenter;

/**
 * Which flavour of the command line runs, read from its class path: the CPU flavour (the default
 * build) carries ONNX Runtime's CPU build and no TensorRT runtime; the GPU flavour ({@code -Pgpu})
 * carries ONNX Runtime's GPU build and {@code scaleprotoseg-runtime-trt}. A GPU backend asked of the
 * CPU flavour is a usage error that says how to build the other flavour, not a missing-library
 * error from deep inside a runtime.
 */
final class CliFlavour {
    /** The command that builds the GPU flavour, for messages. */
    static final String GPU_BUILD = "mvn -B -q package -DskipTests -Pgpu";

    private static final String ORT_GPU_METADATA = "META-INF/maven/com.microsoft.onnxruntime/onnxruntime_gpu/pom.xml";

    private CliFlavour() {
    }

    /** True when ONNX Runtime's GPU build (CUDA and TensorRT providers) is on the class path. */
    static boolean hasOrtGpuBuild() {
        return CliFlavour.class.getClassLoader().getResource(ORT_GPU_METADATA) != null;
    }

    /** True when the TensorRT backend ({@code scaleprotoseg-runtime-trt}) is on the class path. */
    static boolean hasTensorRtRuntime() {
        return Segmenter.installedBackends().contains(Backend.TENSORRT);
    }

    /** One line for {@code info --backends}. */
    static String describe() {
        boolean ortGpu = hasOrtGpuBuild();
        boolean trt = hasTensorRtRuntime();
        if (ortGpu && trt) {
            return "command line: GPU flavour (ONNX Runtime's GPU build, TensorRT runtime)";
        }
        if (!ortGpu && !trt) {
            return "command line: CPU flavour (ONNX Runtime's CPU build, no TensorRT runtime); for CUDA and TensorRT build "
                    + "the GPU flavour: " + GPU_BUILD;
        }
        return "command line: ONNX Runtime's " + (ortGpu ? "GPU" : "CPU") + " build, " + (trt ? "with" : "without")
                + " the TensorRT runtime";
    }

    /**
     * Why {@code backend} cannot run in this flavour, or null when the flavour has what it needs (the
     * host may still lack the GPU or the NVIDIA libraries: the backend says so when it opens).
     */
    static String missingFor(Backend backend) {
        boolean needsTrtRuntime = backend == Backend.TENSORRT;
        boolean needsOrtGpu = backend == Backend.ORT_CUDA || backend == Backend.ORT_TENSORRT;
        if (needsTrtRuntime && !hasTensorRtRuntime()) {
            return "--backend " + backend.cliName() + " needs the TensorRT runtime (scaleprotoseg-runtime-trt), which this "
                    + "command line, the CPU flavour, leaves out; build the GPU flavour: " + GPU_BUILD;
        }
        if (needsOrtGpu && !hasOrtGpuBuild()) {
            return "--backend " + backend.cliName() + " needs ONNX Runtime's GPU build (com.microsoft.onnxruntime:onnxruntime_gpu), "
                    + "which this command line, the CPU flavour, leaves out; build the GPU flavour: " + GPU_BUILD;
        }
        return null;
    }
}
