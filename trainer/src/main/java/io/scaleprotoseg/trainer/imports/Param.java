package io.scaleprotoseg.trainer.imports;

import io.scaleprotoseg.torchfile.TorchFileException;
import io.scaleprotoseg.torchfile.TorchTensor;
import java.util.Arrays;

/** A tensor of an imported file, read as float32, under this project's name and shape. */
record Param(float[] data, long[] shape) {
    /** Reads {@code t} (named {@code name} in the file), which must have exactly the shape {@code want}. */
    static Param read(TorchTensor t, String name, String source, int... want) throws ImportException {
        if (t == null) {
            throw new ImportException(source + " lacks tensor '" + name + "'");
        }
        long[] w = Arrays.stream(want).asLongStream().toArray();
        if (!Arrays.equals(t.shape(), w)) {
            throw new ImportException(source + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", the network needs " + Arrays.toString(w));
        }
        if (!t.dtype().isFloatingPoint()) {
            throw new ImportException(source + ": tensor '" + name + "' is " + t.dtype() + ", not floating point");
        }
        try {
            float[] v = t.floats();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new ImportException(source + ": tensor '" + name + "' holds " + v[i] + " at element " + i
                            + "; a model with non-finite weights cannot be imported");
                }
            }
            return new Param(v, w);
        } catch (TorchFileException e) {
            throw new ImportException(e.getMessage(), e);
        }
    }
}
