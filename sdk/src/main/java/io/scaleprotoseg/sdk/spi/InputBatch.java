package io.scaleprotoseg.sdk.spi;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A batch of images ready for the graph input {@code pixels}: float32 NCHW, RGB in 0..1.
 *
 * <p>The buffer is direct and in native byte order so that a backend can hand it to native code
 * without a copy. It belongs to the caller (the SDK reuses it for the next call), so an engine
 * must not keep a reference to it after {@link InferenceEngine#run} returns.
 */
public final class InputBatch {
    private final FloatBuffer pixels;
    private final int batch;
    private final int height;
    private final int width;

    /**
     * @param pixels direct, native-order buffer whose positions 0..n*3*h*w-1 hold the batch
     */
    public InputBatch(FloatBuffer pixels, int batch, int height, int width) {
        if (!pixels.isDirect() || pixels.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("input buffer must be direct and in native byte order");
        }
        if (batch < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("batch shape must be positive, got " + batch + "x3x" + height + "x" + width);
        }
        long need = (long) batch * 3 * height * width;
        if (pixels.capacity() < need) {
            throw new IllegalArgumentException("input buffer holds " + pixels.capacity() + " floats, batch needs " + need);
        }
        this.pixels = pixels;
        this.batch = batch;
        this.height = height;
        this.width = width;
    }

    /** The pixels; read from position 0, {@link #elementCount()} floats. */
    public FloatBuffer pixels() {
        return pixels;
    }

    public int batch() {
        return batch;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** n * 3 * h * w. */
    public int elementCount() {
        return batch * 3 * height * width;
    }

    /** The NCHW shape as longs. */
    public long[] shape() {
        return new long[] {batch, 3, height, width};
    }
}
