package io.scaleprotoseg.runtime.trt;

import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;

/** Status checks for CUDA runtime calls. */
final class CudaCalls {
    private CudaCalls() {
    }

    /** A CUDA runtime call that did not return cudaSuccess. */
    static final class CudaException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        CudaException(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** Throws when {@code status} is not cudaSuccess, naming the call and CUDA's description. */
    static void check(int status, String call) throws CudaException {
        if (status != cudart.cudaSuccess) {
            throw new CudaException(status, call + " failed: " + errorText(status));
        }
    }

    /** {@code cudaErrorNoDevice (100): no CUDA-capable device is detected}. */
    static String errorText(int status) {
        String name = "CUDA error";
        String text = "";
        try {
            BytePointer n = cudart.cudaGetErrorName(status);
            BytePointer s = cudart.cudaGetErrorString(status);
            name = n == null ? name : n.getString();
            text = s == null ? "" : s.getString();
        } catch (RuntimeException | LinkageError e) {
            // the names are a courtesy; the code is enough
        }
        return name + " (" + status + ")" + (text.isEmpty() ? "" : ": " + text);
    }
}
