package io.scaleprotoseg.torchfile;

import java.util.Locale;

/** The element types of PyTorch storages this reader understands, with their storage class names. */
public enum DType {
    FLOAT32(4, "FloatStorage", "float32"),
    FLOAT64(8, "DoubleStorage", "float64"),
    FLOAT16(2, "HalfStorage", "float16"),
    BFLOAT16(2, "BFloat16Storage", "bfloat16"),
    INT64(8, "LongStorage", "int64"),
    INT32(4, "IntStorage", "int32"),
    INT16(2, "ShortStorage", "int16"),
    INT8(1, "CharStorage", "int8"),
    UINT8(1, "ByteStorage", "uint8"),
    BOOL(1, "BoolStorage", "bool");

    private final int bytes;
    private final String storageClass;
    private final String pythonName;

    DType(int bytes, String storageClass, String pythonName) {
        this.bytes = bytes;
        this.storageClass = storageClass;
        this.pythonName = pythonName;
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

    /** The type named like {@code torch.float32} (also {@code float}, {@code half}, {@code long}), or null. */
    static DType ofTorchName(String name) {
        switch (name) {
            case "float":
                return FLOAT32;
            case "double":
                return FLOAT64;
            case "half":
                return FLOAT16;
            case "long":
                return INT64;
            case "int":
                return INT32;
            case "short":
                return INT16;
            default:
                for (DType t : values()) {
                    if (t.pythonName.equals(name)) {
                        return t;
                    }
                }
                return null;
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
