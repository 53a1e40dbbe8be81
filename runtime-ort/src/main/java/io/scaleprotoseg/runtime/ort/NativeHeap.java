package io.scaleprotoseg.runtime.ort;

import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the C heap's free memory back to the operating system after ONNX Runtime builds a session.
 *
 * <p>Why: building a session parses the whole model (every weight as a protobuf buffer), copies the
 * weights into tensors and rewrites the graph, then frees the buffers. glibc keeps memory freed in
 * the middle of its heap, so the process stays that much larger for its whole life; measured with a
 * ResNet-101 model of 189 MB, 336 MB of 592 MB. ONNX Runtime's activations later come from its own
 * large blocks, not from that memory. {@code malloc_trim(0)} returns it.
 *
 * <p>How: through JavaCPP's {@code Pointer.trimMemory()} (glibc's {@code malloc_trim} on Linux,
 * nothing elsewhere) when {@code org.bytedeco.javacpp} is on the class path, as it is in the
 * command line's distribution; found by reflection so that this runtime does not depend on it.
 * Without it, or when its native library does not load, nothing happens. Thread-safe.
 */
final class NativeHeap {
    private static final Logger LOG = LoggerFactory.getLogger(NativeHeap.class);
    private static final Method TRIM = find();

    private NativeHeap() {
    }

    private static Method find() {
        try {
            return Class.forName("org.bytedeco.javacpp.Pointer", false, NativeHeap.class.getClassLoader())
                    .getMethod("trimMemory");
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@link #trim} can reach {@code malloc_trim} (JavaCPP on the class path). */
    static boolean available() {
        return TRIM != null;
    }

    /**
     * Returns the heap's free memory to the system; true when the call was made (JavaCPP present and
     * its native library loaded), whether or not any memory was returned.
     */
    static boolean trim() {
        if (TRIM == null) {
            return false;
        }
        try {
            TRIM.invoke(null);
            return true;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // JavaCPP without a native library for this platform: the trim is an optimisation, not a requirement
            LOG.debug("JavaCPP's trimMemory is not usable here: {}", e.toString());
            return false;
        }
    }
}
