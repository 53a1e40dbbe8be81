package io.scaleprotoseg.torchfile;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes files in PyTorch's formats (protocol-2 pickles in the zip or the legacy container), as
 * {@code torch.save} lays them out: for tests of the reader (round trips, strided views, shared
 * storages, hostile files) and to make large checkpoints for benchmarks without Python. Values:
 * null, Boolean, Integer/Long, Double, String, {@link List} (a list), {@link Tuple}, {@link Map}
 * (a dict; a {@link PyDict} made by {@link #orderedDict()} becomes an OrderedDict), {@link Obj}
 * (an object of any class with its state), {@link Tensor}, {@link Call} (any call, for hostile
 * test files). Files are written to a temporary file and renamed. Stateless; thread-safe.
 */
public final class TorchFileWriter {
    private TorchFileWriter() {
    }

    /** A tuple. */
    public record Tuple(List<Object> items) {
        public static Tuple of(Object... items) {
            return new Tuple(java.util.Arrays.asList(items));
        }
    }

    /** An object of class {@code classPath} with a state (usually an attribute map), pickled as NEWOBJ + BUILD. */
    public record Obj(String classPath, Object state) {
    }

    /** A call of {@code module.name(args)} (REDUCE); what a hostile file uses. */
    public record Call(String module, String name, List<Object> args) {
    }

    /**
     * A storage: its key and its elements as a primitive array (float[] for float32, double[],
     * long[], int[], short[] for float16/bfloat16/int16 bit patterns, byte[] for int8/uint8/bool).
     */
    public record StorageData(String key, DType dtype, Object data) {
        int numel() {
            return java.lang.reflect.Array.getLength(data);
        }
    }

    /** A tensor: a view (offset, shape, strides in elements) of a storage; {@code parameter} wraps it as nn.Parameter. */
    public record Tensor(StorageData storage, long offset, long[] shape, long[] stride, boolean parameter) {
        /** A contiguous float32 tensor on its own storage. */
        public static Tensor of(String key, float[] data, long... shape) {
            return contiguous(new StorageData(key, DType.FLOAT32, data), shape, false);
        }

        /** A contiguous view of a whole storage. */
        public static Tensor contiguous(StorageData storage, long[] shape, boolean parameter) {
            long[] st = new long[shape.length];
            long s = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                st[i] = s;
                s *= shape[i];
            }
            return new Tensor(storage, 0, shape, st, parameter);
        }
    }

    /** An empty OrderedDict to fill. */
    public static PyDict orderedDict() {
        return new PyDict(true);
    }

    /** Writes {@code root} in the zip format with archive folder {@code prefix} (no slash). */
    public static void writeZip(Path file, String prefix, Object root) throws IOException {
        Pickler p = new Pickler(false);
        p.pickle(root);
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                zip.setMethod(ZipOutputStream.STORED);
                stored(zip, prefix + "/data.pkl", p.bytes());
                for (StorageData s : p.storages.values()) {
                    byte[] raw = raw(s);
                    stored(zip, prefix + "/data/" + s.key(), raw);
                }
                stored(zip, prefix + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes {@code root} in the legacy (pre-1.6) format. */
    public static void writeLegacy(Path file, Object root) throws IOException {
        Pickler p = new Pickler(true);
        p.pickle(root);
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                Pickler header = new Pickler(true);
                header.pickle(new BigInteger("1950a86a20f9469cfc6c", 16));
                header.pickle(1001L);
                Map<String, Object> sys = new LinkedHashMap<>();
                sys.put("protocol_version", 1001L);
                sys.put("little_endian", Boolean.TRUE);
                sys.put("type_sizes", Map.of("short", 2L, "int", 4L, "long", 4L));
                header.pickle(sys);
                out.write(header.bytes());
                out.write(p.bytes());
                Pickler keys = new Pickler(true);
                keys.pickle(new ArrayList<Object>(p.storages.keySet()));
                out.write(keys.bytes());
                for (StorageData s : p.storages.values()) {
                    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(s.numel()).array());
                    out.write(raw(s));
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] raw(StorageData s) {
        int n = s.numel();
        ByteBuffer b = ByteBuffer.allocate(n * s.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (s.dtype()) {
            case FLOAT32 -> b.asFloatBuffer().put((float[]) s.data());
            case FLOAT64 -> b.asDoubleBuffer().put((double[]) s.data());
            case INT64 -> b.asLongBuffer().put((long[]) s.data());
            case INT32 -> b.asIntBuffer().put((int[]) s.data());
            case FLOAT16, BFLOAT16, INT16 -> b.asShortBuffer().put((short[]) s.data());
            default -> b.put((byte[]) s.data());
        }
        return b.array();
    }

    /** Protocol-2 pickling of the values above. */
    private static final class Pickler {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final boolean legacy;
        final Map<String, StorageData> storages = new LinkedHashMap<>();

        Pickler(boolean legacy) {
            this.legacy = legacy;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        void pickle(Object root) {
            out.write(0x80);
            out.write(2);
            value(root);
            out.write('.');
        }

        private void value(Object v) {
            if (v == null) {
                out.write('N');
            } else if (v instanceof Boolean b) {
                out.write(b ? 0x88 : 0x89);
            } else if (v instanceof Integer || v instanceof Long) {
                integer(((Number) v).longValue());
            } else if (v instanceof BigInteger b) {
                byte[] be = b.toByteArray();
                out.write(0x8a);
                out.write(be.length);
                for (int i = be.length - 1; i >= 0; i--) {
                    out.write(be[i]);
                }
            } else if (v instanceof Double || v instanceof Float) {
                out.write('G');
                out.writeBytes(ByteBuffer.allocate(8).putDouble(((Number) v).doubleValue()).array());
            } else if (v instanceof String s) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.write('X');
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
                out.writeBytes(b);
            } else if (v instanceof Tuple t) {
                tuple(t.items());
            } else if (v instanceof PyDict d && d.ordered()) {
                global("collections", "OrderedDict");
                out.write(')');
                out.write('R');
                items(d);
                if (!d.attributes().isEmpty()) {
                    value(new LinkedHashMap<>(d.attributes()));
                    out.write('b');
                }
            } else if (v instanceof Map<?, ?> m) {
                out.write('}');
                items(m);
            } else if (v instanceof List<?> l) {
                out.write(']');
                if (!l.isEmpty()) {
                    out.write('(');
                    l.forEach(this::value);
                    out.write('e');
                }
            } else if (v instanceof Obj o) {
                int dot = o.classPath().lastIndexOf('.');
                global(o.classPath().substring(0, dot), o.classPath().substring(dot + 1));
                out.write(')');
                out.write(0x81);
                if (o.state() != null) {
                    value(o.state());
                    out.write('b');
                }
            } else if (v instanceof Call c) {
                global(c.module(), c.name());
                tuple(c.args());
                out.write('R');
            } else if (v instanceof Tensor t) {
                tensor(t);
            } else {
                throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName());
            }
        }

        private void tensor(Tensor t) {
            if (t.parameter()) {
                global("torch._utils", "_rebuild_parameter");
                out.write('(');
            }
            global("torch._utils", "_rebuild_tensor_v2");
            out.write('(');
            StorageData s = t.storage();
            StorageData prior = storages.putIfAbsent(s.key(), s);
            if (prior != null && !prior.equals(s)) {
                throw new IllegalArgumentException("two storages with key " + s.key());
            }
            // the storage class is a bare GLOBAL, not an object
            out.write('(');
            value("storage");
            global("torch", s.dtype().storageClass());
            value(s.key());
            value("cpu");
            integer(s.numel());
            if (legacy) {
                out.write('N');
            }
            out.write('t');
            out.write('Q');
            integer(t.offset());
            tuple(longs(t.shape()));
            tuple(longs(t.stride()));
            out.write(0x89);
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
            out.write('t');
            out.write('R');
            if (t.parameter()) {
                out.write(0x88);
                global("collections", "OrderedDict");
                out.write(')');
                out.write('R');
                out.write('t');
                out.write('R');
            }
        }

        private static List<Object> longs(long[] a) {
            List<Object> l = new ArrayList<>();
            for (long x : a) {
                l.add(x);
            }
            return l;
        }

        private void tuple(List<?> items) {
            out.write('(');
            items.forEach(this::value);
            out.write('t');
        }

        private void items(Map<?, ?> m) {
            if (m.isEmpty()) {
                return;
            }
            out.write('(');
            for (Map.Entry<?, ?> e : m.entrySet()) {
                value(e.getKey());
                value(e.getValue());
            }
            out.write('u');
        }

        private void global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        private void integer(long v) {
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                out.write('J');
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            } else {
                value(BigInteger.valueOf(v));
            }
        }
    }
}
