package io.scaleprotoseg.trainer.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX files of MNIST and Fashion-MNIST (unsigned bytes, big-endian dimensions), plain
 * or gzip-compressed (detected from the content, not the name).
 */
public final class IdxFile {
    private static final int UBYTE_1D = 0x00000801;
    private static final int UBYTE_3D = 0x00000803;

    private IdxFile() {
    }

    /** Images as unsigned bytes, {@code pixels[i * rows * cols + y * cols + x]}. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        /** Pixel (x, y) of image i in 0..255. */
        public int pixel(int i, int x, int y) {
            return pixels[(i * rows + y) * cols + x] & 0xff;
        }
    }

    /**
     * Reads an idx3-ubyte image file.
     *
     * @throws DatasetException naming the file when it is missing, not an image IDX file or truncated
     */
    public static Images readImages(Path file) throws DatasetException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != UBYTE_3D) {
                throw new DatasetException(file + " is not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols > Integer.MAX_VALUE) {
                throw new DatasetException(file + " has invalid dimensions " + count + "x" + rows + "x" + cols);
            }
            byte[] pixels = new byte[count * rows * cols];
            readFully(in, pixels, file);
            return new Images(count, rows, cols, pixels);
        } catch (IOException e) {
            throw new DatasetException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads an idx1-ubyte label file.
     *
     * @throws DatasetException naming the file when it is missing, not a label IDX file or truncated
     */
    public static byte[] readLabels(Path file) throws DatasetException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != UBYTE_1D) {
                throw new DatasetException(file + " is not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int count = in.readInt();
            if (count < 0) {
                throw new DatasetException(file + " has invalid count " + count);
            }
            byte[] labels = new byte[count];
            readFully(in, labels, file);
            return labels;
        } catch (IOException e) {
            throw new DatasetException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(DataInputStream in, byte[] out, Path file) throws IOException, DatasetException {
        try {
            in.readFully(out);
        } catch (EOFException e) {
            throw new DatasetException(file + " is truncated: its header announces " + out.length + " values");
        }
    }

    private static DataInputStream open(Path file) throws IOException, DatasetException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("IDX file " + file + " does not exist");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
