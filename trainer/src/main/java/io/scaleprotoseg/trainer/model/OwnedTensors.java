package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Tensors whose memory PyTorch owns, and arithmetic with constants that is safe under autograd.
 *
 * <p>Why this exists: on the CPU, DJL's PyTorch engine wraps Java data in a tensor that points
 * into a direct {@code ByteBuffer} ({@code from_blob}); only the Java {@code NDArray} object keeps
 * that buffer alive, and {@code close()} drops it. DJL's scalar overloads ({@code x.mul(2f)},
 * {@code x.div(n)}, {@code x.add(eps)}, ...) build such a tensor for the number and close it right
 * after the operation. Autograd, however, keeps the operands it needs for the backward pass
 * ({@code d(x*c)/dx = c}), so once the garbage collector frees the buffer, the backward pass reads
 * freed memory: gradients silently change with GC timing. This was measured here: a short scenes
 * run gave different weights from run to run under a forced-GC thread, and the resume test failed
 * in CI. Everything on the training graph therefore takes its constants from this class, whose
 * tensors own their storage natively and stay valid for as long as any native reference exists.
 *
 * <p>Stateless and thread-safe.
 */
public final class OwnedTensors {
    private OwnedTensors() {
    }

    /** A natively owned copy of {@code data} with {@code shape}, attached to {@code manager}. */
    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray javaBacked = scratch.create(data, shape);
            NDArray owned = javaBacked.duplicate(); // a native clone: its own storage
            owned.attach(manager);
            return owned;
        }
    }

    /** A natively owned 0-dimensional tensor of {@code like}'s data type, in {@code like}'s manager. */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /** {@code x * c}. */
    public static NDArray times(NDArray x, double c) {
        try (NDArray k = scalar(x, c)) {
            return x.mul(k);
        }
    }

    /** {@code x / c}. */
    public static NDArray dividedBy(NDArray x, double c) {
        try (NDArray k = scalar(x, c)) {
            return x.div(k);
        }
    }

    /** {@code x + c}. */
    public static NDArray plus(NDArray x, double c) {
        try (NDArray k = scalar(x, c)) {
            return x.add(k);
        }
    }
}
