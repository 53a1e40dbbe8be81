package io.scaleprotoseg.runtime.ort;

import io.scaleprotoseg.sdk.spi.LibrarySearch;
import java.util.List;

/**
 * Names the shared libraries that ONNX Runtime's CUDA (and TensorRT) provider needs and this host
 * lacks. ONNX Runtime's exception only says "Failed to load shared library"; this looks for each
 * library where the Linux loader would ({@link LibrarySearch}), without loading anything, so the
 * message can say what to install.
 */
final class CudaLibraryCheck {
    /** The sonames ORT 1.23's CUDA provider links against (CUDA 12, cuDNN 9) and the driver. */
    static final List<String> REQUIRED = List.of("libcuda.so.1", "libcudart.so.12", "libcublas.so.12",
            "libcublasLt.so.12", "libcufft.so.11", "libcudnn.so.9");

    /** What ONNX Runtime's TensorRT provider links: the CUDA set, TensorRT 10 (CUDA 12 build) and its ONNX parser. */
    static final List<String> TENSORRT_REQUIRED = List.of("libcuda.so.1", "libcudart.so.12", "libcublas.so.12",
            "libcudnn.so.9", "libnvinfer.so.10", "libnvonnxparser.so.10");

    private CudaLibraryCheck() {
    }

    /** The CUDA provider's libraries missing on this host; empty on other operating systems than Linux. */
    static List<String> missingOnThisHost() {
        return LibrarySearch.missingOnThisHost(REQUIRED);
    }

    /** The libraries of {@code required} missing on this host; empty on other operating systems than Linux. */
    static List<String> missingOnThisHost(List<String> required) {
        return LibrarySearch.missingOnThisHost(required);
    }
}
