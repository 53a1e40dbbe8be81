package io.scaleprotoseg.torchfile;

import java.util.Locale;

/** The element types of PyTorch storages this reader understands, with their storage class names. */
public enum DType {
    FLOAT32(4, "FloatStorage"),
    FLOAT64(8, "DoubleStorage"),
    FLOAT16(2, "HalfStorage"),
    BFLOAT16(2, "BFloat16Storage"),
    INT64(8, "LongStorage"),
    INT32(4, "IntStorage"),
    INT16(2, "ShortStorage"),
    INT8(1, "CharStorage"),
    UINT8(1, "ByteStorage"),
    BOOL(1, "BoolStorage");

    private final int bytes;
    private final String storageClass;

    DType(int bytes, String storageClass) {
        this.bytes = bytes;
        this.storageClass = storageClass;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The storage class in module {@code torch}, e.g. {@code FloatStorage}. */
    public String storageClass() {
        return storageClass;
    }

    /** Whether values are floating point. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
    }

    /** The type of {@code torch.<name>} (a storage class such as {@code FloatStorage}), or null. */
    static DType ofStorageClass(String name) {
        for (DType t : values()) {
            if (t.storageClass.equals(name)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
