package io.scaleprotoseg.torchfile;

import java.util.Arrays;

/**
 * A tensor of a PyTorch file: element type, shape and a strided view (offset and strides in
 * elements) of one storage, as {@code torch._utils._rebuild_tensor_v2} describes it. The values are
 * read from the file when asked for ({@link #floats()}, {@link #doubles()}, {@link #longs()}),
 * always as a new row-major array that the caller owns: views with any strides (transposes,
 * slices, expanded dimensions) are materialised element by element.
 *
 * <p>Not thread-safe (reading may fill its file's storage cache); valid while its
 * {@link TorchFile} is open.
 */
public final class TorchTensor {
    private final Storage storage;
    private final long offset;
    private final long[] shape;
    private final long[] stride;
    private final int numel;

    private TorchTensor(Storage storage, long offset, long[] shape, long[] stride, int numel) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.stride = stride;
        this.numel = numel;
    }

    /** Checks a view against its storage's declared size before anything is read. */
    static TorchTensor view(Storage storage, long offset, long[] shape, long[] stride, String source) throws TorchFileException {
        long[] st = stride == null ? contiguousStrides(shape) : stride;
        if (st.length != shape.length) {
            throw new TorchFileException(source + ": a tensor of storage '" + storage.key() + "' has " + shape.length
                    + " sizes but " + st.length + " strides");
        }
        long count = 1;
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || st[i] < 0) {
                throw new TorchFileException(source + ": a tensor of storage '" + storage.key() + "' has size "
                        + Arrays.toString(shape) + " and stride " + Arrays.toString(st) + "; negative values are invalid");
            }
            count = Math.multiplyExact(count, shape[i]);
        }
        if (count > Integer.MAX_VALUE - 16) {
            throw new TorchFileException(source + ": a tensor of storage '" + storage.key() + "' has " + count
                    + " elements, more than one Java array holds");
        }
        if (count > 0) {
            for (int i = 0; i < shape.length; i++) {
                last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, st[i]));
            }
            if (offset < 0 || last >= storage.numel()) {
                throw new TorchFileException(source + ": a tensor of shape " + Arrays.toString(shape) + " at offset " + offset
                        + " reaches element " + last + " of storage '" + storage.key() + "', which holds only "
                        + storage.numel() + " elements; the file is corrupt");
            }
        }
        storage.addView();
        return new TorchTensor(storage, offset, shape.clone(), st.clone(), (int) count);
    }

    private static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= Math.max(1, shape[i]);
        }
        return st;
    }

    public DType dtype() {
        return storage.dtype();
    }

    /** The shape (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** The strides in elements (a copy). */
    public long[] stride() {
        return stride.clone();
    }

    /** Element offset of the view in its storage. */
    public long storageOffset() {
        return offset;
    }

    /** The key of its storage in the file (tensors sharing a storage have the same key). */
    public String storageKey() {
        return storage.base() == null ? storage.key() : storage.base().key();
    }

    /** Number of elements. */
    public int numel() {
        return numel;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Whether the view is row-major without gaps. */
    public boolean isContiguous() {
        return Arrays.equals(stride, contiguousStrides(shape)) || numel <= 1;
    }

    /** The values as float32 (converted from any type; float64 rounds to nearest). */
    public float[] floats() throws TorchFileException {
        long start = offset + storage.baseOffset();
        if (dtype() == DType.FLOAT32 && isContiguous()) {
            float[] all = (float[]) storage.data(storage.isWhole(offset, numel));
            if (storage.isWhole(offset, numel) && all.length == numel) {
                return all;
            }
            return Arrays.copyOfRange(all, (int) start, (int) start + numel);
        }
        Object data = storage.data(false);
        float[] out = new float[numel];
        int[] idx = indices(start);
        for (int i = 0; i < numel; i++) {
            out[i] = (float) value(data, idx[i]);
        }
        return out;
    }

    /** The values as float64 (exact for every type but int64 beyond 2^53). */
    public double[] doubles() throws TorchFileException {
        Object data = storage.data(false);
        double[] out = new double[numel];
        int[] idx = indices(offset + storage.baseOffset());
        for (int i = 0; i < numel; i++) {
            out[i] = value(data, idx[i]);
        }
        return out;
    }

    /** The values as int64; refused for floating-point tensors. */
    public long[] longs() throws TorchFileException {
        if (dtype().isFloatingPoint()) {
            throw new TorchFileException("tensor of storage '" + storageKey() + "' is " + dtype() + ", not an integer tensor");
        }
        Object data = storage.data(false);
        long[] out = new long[numel];
        int[] idx = indices(offset + storage.baseOffset());
        for (int i = 0; i < numel; i++) {
            out[i] = data instanceof long[] l ? l[idx[i]] : (long) value(data, idx[i]);
        }
        return out;
    }

    /** The single value of a one-element tensor. */
    public double item() throws TorchFileException {
        if (numel != 1) {
            throw new TorchFileException("tensor of storage '" + storageKey() + "' has " + numel + " elements, not one");
        }
        return doubles()[0];
    }

    /** Storage indices of the elements in row-major order. */
    private int[] indices(long start) {
        int[] idx = new int[numel];
        if (numel == 0) {
            return idx;
        }
        int rank = shape.length;
        long[] pos = new long[rank];
        long at = start;
        for (int i = 0; i < numel; i++) {
            idx[i] = (int) at;
            for (int d = rank - 1; d >= 0; d--) {
                pos[d]++;
                at += stride[d];
                if (pos[d] < shape[d]) {
                    break;
                }
                at -= stride[d] * shape[d];
                pos[d] = 0;
            }
        }
        return idx;
    }

    private double value(Object data, int i) {
        switch (dtype()) {
            case FLOAT32:
                return ((float[]) data)[i];
            case FLOAT64:
                return ((double[]) data)[i];
            case FLOAT16:
                return halfToFloat(((short[]) data)[i]);
            case BFLOAT16:
                return Float.intBitsToFloat((((short[]) data)[i] & 0xffff) << 16);
            case INT64:
                return ((long[]) data)[i];
            case INT32:
                return ((int[]) data)[i];
            case INT16:
                return ((short[]) data)[i];
            case INT8:
                return ((byte[]) data)[i];
            case UINT8:
                return ((byte[]) data)[i] & 0xff;
            case BOOL:
                return ((byte[]) data)[i] != 0 ? 1 : 0;
            default:
                throw new IllegalStateException(dtype().name());
        }
    }

    /** IEEE 754 binary16 to float (exact). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    @Override
    public String toString() {
        return "tensor(" + dtype() + ", " + Arrays.toString(shape) + ")";
    }
}
