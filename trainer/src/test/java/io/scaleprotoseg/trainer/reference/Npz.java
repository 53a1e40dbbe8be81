package io.scaleprotoseg.trainer.reference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A reader of NumPy's {@code .npz} archives for the reference fixtures: little-endian
 * {@code f4 f8 i4 i8 u1 b1} and unicode scalars ({@code <U}), C order. Small on purpose (the
 * fixtures are a few MB); DJL's decoder does not take unicode arrays, which carry the fixtures'
 * {@code meta}.
 */
public final class Npz {
    private static final Charset UTF_32LE = Charset.forName("UTF-32LE");
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** One array: its NumPy type string, shape and little-endian bytes. */
    public record Array(String descr, long[] shape, ByteBuffer data) {
        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /** The values as float32 (from f4; f8 and integers are converted). */
        public float[] floats() {
            float[] f = new float[(int) size()];
            if (descr.equals("<f4")) {
                data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
                return f;
            }
            double[] d = doubles();
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }

        /** The values as float64, exactly as stored for f8 and f4. */
        public double[] doubles() {
            int n = (int) size();
            double[] out = new double[n];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (descr) {
                    case "<f4" -> b.getFloat();
                    case "<f8" -> b.getDouble();
                    case "<i4" -> b.getInt();
                    case "<i8" -> b.getLong();
                    case "|u1", "|b1" -> b.get() & 0xFF;
                    default -> throw new IllegalStateException("not a numeric array: " + descr);
                };
            }
            return out;
        }

        /** The values as int (from any integer type; f4/f8 must hold whole numbers). */
        public int[] ints() {
            double[] d = doubles();
            int[] out = new int[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = (int) d[i];
                if (out[i] != d[i]) {
                    throw new IllegalStateException("value " + d[i] + " at " + i + " is not an int");
                }
            }
            return out;
        }

        /** A unicode scalar ({@code <Un}: UTF-32LE, NUL-padded). */
        public String string() {
            if (!descr.startsWith("<U")) {
                throw new IllegalStateException("not a unicode array: " + descr);
            }
            byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            return new String(bytes, UTF_32LE).replace("\0", "");
        }
    }

    private final Map<String, Array> arrays;

    private Npz(Map<String, Array> arrays) {
        this.arrays = arrays;
    }

    /** Reads every array of {@code file}. */
    public static Npz read(Path file) throws IOException {
        Map<String, Array> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (!e.getName().endsWith(".npy")) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(e.getName().substring(0, e.getName().length() - 4), npy(in.readAllBytes(), file + ":" + e.getName()));
                }
            }
        }
        return new Npz(out);
    }

    /** The array called {@code name}. */
    public Array get(String name) {
        Array a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no array " + name + " (have " + arrays.keySet() + ")");
        }
        return a;
    }

    private static Array npy(byte[] bytes, String where) throws IOException {
        if (bytes.length < 10 || (bytes[0] & 0xFF) != 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(where + " is not a .npy array");
        }
        int major = bytes[6];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength;
        int start;
        if (major == 1) {
            headerLength = b.getShort(8) & 0xFFFF;
            start = 10;
        } else {
            headerLength = b.getInt(8);
            start = 12;
        }
        String header = new String(bytes, start, headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new IOException(where + ": unreadable header " + header);
        }
        if (fortran.group(1).equals("True")) {
            throw new IOException(where + ": Fortran order is not supported");
        }
        long[] dims = Arrays.stream(shape.group(1).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong)
                .toArray();
        ByteBuffer data = ByteBuffer.wrap(bytes, start + headerLength, bytes.length - start - headerLength).slice();
        return new Array(descr.group(1), dims, data);
    }
}
