package io.scaleprotoseg.torchfile;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A file written by {@code torch.save}, read without Python and without executing anything: the
 * zip format of PyTorch 1.6 and later ({@code <name>/data.pkl}, {@code <name>/data/<key>},
 * optional {@code <name>/byteorder} and {@code <name>/version}, any archive name) and the legacy
 * format (magic number, protocol, system info, the object pickle, storage keys, then the raw
 * storages). The pickle is read by an allow-listed unpickler: tensors become {@link TorchTensor}s,
 * dicts {@link PyDict}s, instances of other classes (modules) inert {@link PyObject}s, and a file
 * that asks to call anything else is refused naming the call.
 *
 * <p>Storage bytes stay in the file until a tensor's values are asked for; they are then read in
 * chunks straight into a primitive array (never through a whole-file byte array). Every declared
 * size is checked against the bytes the file really holds before anything is allocated.
 *
 * <p>Not thread-safe. Holds the file open: close it (try-with-resources) when done; tensors are
 * readable until then.
 */
public final class TorchFile implements AutoCloseable {
    /** The container format. */
    public enum Format {
        /** {@code torch.save} of PyTorch 1.6 and later (the default since). */
        ZIP,
        /** {@code torch.save(..., _use_new_zipfile_serialization=False)} and PyTorch before 1.6. */
        LEGACY
    }

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;
    private static final int CHUNK = 1 << 20;

    private final Path path;
    private final Format format;
    private final ZipFile zip;
    private final String prefix;
    private final FileChannel channel;
    private final ByteOrder order;
    private final Map<String, Storage> storages = new HashMap<>();
    private final Map<String, Long> legacyOffsets = new HashMap<>();
    private final Object root;

    private TorchFile(Path path, Format format, ZipFile zip, String prefix, FileChannel channel, ByteOrder order,
            Object root) {
        this.path = path;
        this.format = format;
        this.zip = zip;
        this.prefix = prefix;
        this.channel = channel;
        this.order = order;
        this.root = root;
    }

    /**
     * Opens and unpickles {@code file}; storage bytes are read later, when tensors are read.
     *
     * @throws TorchFileException naming the file: missing, not a PyTorch file, truncated, corrupt, or
     *     asking to call something outside the allow-list
     */
    public static TorchFile open(Path file) throws TorchFileException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        } catch (NoSuchFileException e) {
            throw new TorchFileException("PyTorch file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new TorchFileException("PyTorch file " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (isZip(head)) {
            return openZip(file);
        }
        if (isPickle(head)) {
            return openLegacy(file);
        }
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
            throw new TorchFileException(file + " is a tar-format PyTorch file (PyTorch 0.3 and older), which is not supported; "
                    + "re-save it with a newer PyTorch");
        }
        throw new TorchFileException(file + " is not a PyTorch file (torch.save writes a zip archive or, in the legacy "
                + "format, a pickle stream; this file starts with neither)");
    }

    private static TorchFile openZip(Path file) throws TorchFileException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new TorchFileException(file + " is a damaged or truncated zip archive (" + e.getMessage()
                    + "); the PyTorch file is incomplete, copy or download it again", e);
        } catch (IOException e) {
            throw new TorchFileException(file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            String pkl = null;
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                String name = en.nextElement().getName();
                if (name.equals("data.pkl") || (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - 9)) {
                    if (pkl != null) {
                        throw new TorchFileException(file + " holds two pickles (" + pkl + ", " + name + "); a torch.save "
                                + "archive holds one");
                    }
                    pkl = name;
                }
            }
            if (pkl == null) {
                throw new TorchFileException(file + " is a zip archive without a data.pkl entry, so not a PyTorch file");
            }
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                try (InputStream in = zip.getInputStream(bo)) {
                    String s = new String(in.readNBytes(16), StandardCharsets.US_ASCII).trim();
                    if (s.equals("big")) {
                        order = ByteOrder.BIG_ENDIAN;
                    } else if (!s.equals("little")) {
                        throw new TorchFileException(file + " declares byte order '" + s + "'; expected little or big");
                    }
                }
            }
            ZipEntry entry = zip.getEntry(pkl);
            TorchFile[] self = new TorchFile[1];
            Map<String, Storage> found = new HashMap<>();
            String source = file + " (" + pkl + ")";
            Object root;
            try (InputStream in = new BufferedInputStream(zip.getInputStream(entry))) {
                root = new PickleReader(in, entry.getSize() < 0 ? Long.MAX_VALUE : entry.getSize(), source,
                        pid -> zipStorage(pid, found, file, () -> self[0])).read();
            }
            TorchFile tf = new TorchFile(file, Format.ZIP, zip, prefix, null, order, root);
            tf.storages.putAll(found);
            self[0] = tf;
            return tf;
        } catch (TorchFileException e) {
            closeQuietly(zip);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly(zip);
            throw new TorchFileException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private interface Owner {
        TorchFile get();
    }

    private static Storage zipStorage(Object pid, Map<String, Storage> found, Path file, Owner owner) throws TorchFileException {
        List<?> t = pidTuple(pid, file);
        PickleReader.StorageType type = storageType(t.get(1), file);
        String key = String.valueOf(t.get(2));
        long numel = ((Number) t.get(4)).longValue();
        return shared(found, key, type.dtype(), numel, file, s -> owner.get().readZip(s));
    }

    private static Storage shared(Map<String, Storage> found, String key, DType dtype, long numel, Path file,
            Storage.Source source) throws TorchFileException {
        Storage s = found.get(key);
        if (s == null) {
            if (numel < 0) {
                throw new TorchFileException(file + ": storage '" + key + "' declares " + numel + " elements");
            }
            s = new Storage(key, dtype, numel, source);
            found.put(key, s);
        } else if (s.dtype() != dtype || s.numel() != numel) {
            throw new TorchFileException(file + ": storage '" + key + "' is declared twice, as " + s.numel() + " " + s.dtype()
                    + " and as " + numel + " " + dtype);
        }
        return s;
    }

    private static List<?> pidTuple(Object pid, Path file) throws TorchFileException {
        if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(4) instanceof Number)) {
            String what = pid instanceof List<?> l && !l.isEmpty() ? "of kind '" + l.get(0) + "'" : ModuleTree.describe(pid);
            throw new TorchFileException(file + " refers to an external object " + what + " that is not a PyTorch storage");
        }
        return t;
    }

    private static PickleReader.StorageType storageType(Object o, Path file) throws TorchFileException {
        if (o instanceof PickleReader.StorageType st) {
            return st;
        }
        throw new TorchFileException(file + " has a storage of type " + o + "; supported are "
                + java.util.Arrays.stream(DType.values()).map(d -> "torch." + d.storageClass())
                        .collect(java.util.stream.Collectors.joining(", ")));
    }

    private static TorchFile openLegacy(Path file) throws TorchFileException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new TorchFileException(file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            CountingStream counting = new CountingStream(new BufferedInputStream(java.nio.channels.Channels.newInputStream(ch.position(0))));
            String src = file.toString();
            Object magic = new PickleReader(counting, size, src, pid -> {
                throw new TorchFileException(src + " has a storage in its header");
            }).read();
            if (!(magic instanceof BigInteger b && b.equals(LEGACY_MAGIC))) {
                throw new TorchFileException(file + " is a pickle but not a PyTorch file (its first value is not PyTorch's "
                        + "magic number); only PyTorch files are read");
            }
            Object protocol = new PickleReader(counting, size - counting.count, src, null).read();
            if (!(protocol instanceof Long p && p == LEGACY_PROTOCOL)) {
                throw new TorchFileException(file + " is a legacy PyTorch file of protocol " + protocol + "; only "
                        + LEGACY_PROTOCOL + " is known");
            }
            Object sysInfo = new PickleReader(counting, size - counting.count, src, null).read();
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            if (sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
                order = ByteOrder.BIG_ENDIAN;
            }
            TorchFile[] self = new TorchFile[1];
            Map<String, Storage> found = new HashMap<>();
            Object root = new PickleReader(counting, size - counting.count, src, pid -> {
                if (pid instanceof List<?> m && m.size() >= 2 && "module".equals(m.get(0))) {
                    // the legacy format records each module class with its source code; the class is what the pickle uses
                    return m.get(1);
                }
                List<?> t = pidTuple(pid, file);
                PickleReader.StorageType type = storageType(t.get(1), file);
                String key = String.valueOf(t.get(2));
                long numel = ((Number) t.get(4)).longValue();
                Storage rootStorage = shared(found, key, type.dtype(), numel, file, s -> self[0].readLegacy(s));
                Object view = t.size() > 5 ? t.get(5) : null;
                if (view == null) {
                    return rootStorage;
                }
                List<?> v = (List<?>) view;
                String viewKey = String.valueOf(v.get(0));
                long off = ((Number) v.get(1)).longValue();
                long n = ((Number) v.get(2)).longValue();
                if (off < 0 || n < 0 || off + n > numel) {
                    throw new TorchFileException(file + ": storage view '" + viewKey + "' (" + n + " elements from " + off
                            + ") lies outside storage '" + key + "' of " + numel + " elements");
                }
                Storage s = found.get("view:" + viewKey);
                if (s == null) {
                    s = new Storage(viewKey, type.dtype(), n, null, rootStorage, off);
                    found.put("view:" + viewKey, s);
                }
                return s;
            }).read();
            Object keys = new PickleReader(counting, size - counting.count, src, null).read();
            if (!(keys instanceof List<?> keyList)) {
                throw new TorchFileException(file + " lacks the list of storage keys after its object; the file is damaged");
            }
            TorchFile tf = new TorchFile(file, Format.LEGACY, null, "", ch, order, root);
            long pos = counting.count;
            ByteBuffer header = ByteBuffer.allocate(8).order(order);
            for (Object k : keyList) {
                String key = String.valueOf(k);
                Storage s = found.get(key);
                if (s == null) {
                    throw new TorchFileException(file + " lists storage '" + key + "' that no tensor uses; the file is damaged");
                }
                header.clear();
                if (pos + 8 > size || ch.read(header, pos) != 8) {
                    throw new TorchFileException(file + " ends before storage '" + key + "'; the file is truncated");
                }
                long n = header.getLong(0);
                long bytes = n * s.dtype().bytes();
                if (n != s.numel() || n < 0 || bytes > size - pos - 8) {
                    throw new TorchFileException(file + ": storage '" + key + "' claims " + n + " elements (" + s.numel()
                            + " declared, " + Math.max(0, size - pos - 8) + " bytes left in the file); the file is truncated or corrupt");
                }
                tf.legacyOffsets.put(key, pos + 8);
                pos += 8 + bytes;
            }
            for (Map.Entry<String, Storage> e : found.entrySet()) {
                if (!e.getKey().startsWith("view:") && !tf.legacyOffsets.containsKey(e.getKey())) {
                    throw new TorchFileException(file + " has no data for storage '" + e.getKey() + "'; the file is damaged");
                }
            }
            tf.storages.putAll(found);
            self[0] = tf;
            return tf;
        } catch (TorchFileException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new TorchFileException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private Object readZip(Storage s) throws TorchFileException {
        String name = prefix + "data/" + s.key();
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new TorchFileException(path + " lacks the record " + name + " of storage '" + s.key()
                    + "'; the file is damaged");
        }
        long need = s.numel() * s.dtype().bytes();
        if (e.getSize() >= 0 && e.getSize() < need) {
            throw new TorchFileException(path + ": record " + name + " holds " + e.getSize() + " bytes but its storage declares "
                    + s.numel() + " " + s.dtype() + " elements (" + need + " bytes); the file is corrupt");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return fill(s, in, name);
        } catch (IOException ex) {
            throw ex instanceof TorchFileException t ? t
                    : new TorchFileException(path + ": record " + name + " cannot be read: " + ex.getMessage(), ex);
        }
    }

    private Object readLegacy(Storage s) throws TorchFileException {
        Long at = legacyOffsets.get(s.key());
        try {
            // not closed: closing the stream would close the file's channel
            InputStream in = java.nio.channels.Channels.newInputStream(channel.position(at));
            return fill(s, in, "storage '" + s.key() + "'");
        } catch (IOException ex) {
            throw ex instanceof TorchFileException t ? t
                    : new TorchFileException(path + ": storage '" + s.key() + "' cannot be read: " + ex.getMessage(), ex);
        }
    }

    /** Reads a storage's elements in chunks straight into a primitive array. */
    private Object fill(Storage s, InputStream in, String what) throws IOException {
        long n = s.numel();
        if (n > Integer.MAX_VALUE - 16) {
            throw new TorchFileException(path + ": " + what + " has " + n + " elements, more than one Java array holds");
        }
        int count = (int) n;
        DType t = s.dtype();
        Object out = switch (t) {
            case FLOAT32 -> new float[count];
            case FLOAT64 -> new double[count];
            case INT64 -> new long[count];
            case INT32 -> new int[count];
            case FLOAT16, BFLOAT16, INT16 -> new short[count];
            case INT8, UINT8, BOOL -> new byte[count];
        };
        byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(8, n * t.bytes()))];
        ByteBuffer buf = ByteBuffer.wrap(chunk).order(order);
        int done = 0;
        int per = chunk.length / t.bytes();
        while (done < count) {
            int k = Math.min(per, count - done);
            int bytes = k * t.bytes();
            int got = in.readNBytes(chunk, 0, bytes);
            if (got != bytes) {
                throw new TorchFileException(path + ": " + what + " ends after " + ((long) done * t.bytes() + got)
                        + " of its " + n * t.bytes() + " bytes; the file is truncated");
            }
            buf.clear();
            switch (t) {
                case FLOAT32 -> buf.asFloatBuffer().get((float[]) out, done, k);
                case FLOAT64 -> buf.asDoubleBuffer().get((double[]) out, done, k);
                case INT64 -> buf.asLongBuffer().get((long[]) out, done, k);
                case INT32 -> buf.asIntBuffer().get((int[]) out, done, k);
                case FLOAT16, BFLOAT16, INT16 -> buf.asShortBuffer().get((short[]) out, done, k);
                default -> System.arraycopy(chunk, 0, (byte[]) out, done, k);
            }
            done += k;
        }
        return out;
    }

    /**
     * Whether {@code file} looks like a {@code torch.save} file: a zip archive with a {@code data.pkl}
     * entry, or a pickle stream. Reads only its first bytes (and the zip's directory); never throws.
     */
    public static boolean looksLikePyTorchFile(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            return false;
        }
        if (isPickle(head)) {
            return true;
        }
        if (isZip(head)) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                return zip.stream().anyMatch(e -> e.getName().equals("data.pkl") || e.getName().endsWith("/data.pkl"));
            } catch (IOException e) {
                // a damaged archive: by its name, so that open() can say what is wrong with it
                String name = file.getFileName().toString();
                return name.endsWith(".pth") || name.endsWith(".pt");
            }
        }
        return false;
    }

    /** A zip archive's local-file signature. */
    private static boolean isZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    /** A pickle stream of protocol 2 to 5 (its PROTO opcode), how the legacy format starts. */
    private static boolean isPickle(byte[] head) {
        return head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] <= 5;
    }

    /** The unpickled object: a state dict ({@link PyDict}), a module ({@link PyObject}), ... */
    public Object root() {
        return root;
    }

    public Format format() {
        return format;
    }

    public Path path() {
        return path;
    }

    /** The archive's top folder (zip format; empty for legacy), e.g. {@code final-group/}. */
    public String archivePrefix() {
        return prefix;
    }

    /** Number of distinct storages. */
    public int storageCount() {
        return (int) storages.keySet().stream().filter(k -> !k.startsWith("view:")).count();
    }

    /** Forgets storages kept for sharing (their tensors stay readable; they are read again if asked). */
    public void releaseCache() {
        storages.values().forEach(Storage::release);
    }

    @Override
    public void close() {
        releaseCache();
        if (zip != null) {
            closeQuietly(zip);
        }
        if (channel != null) {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a read-only file: nothing is lost
        }
    }

    /** Counts the bytes read, so the legacy format's storages can be found after its pickles. */
    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            count += k;
            return k;
        }
    }

    /** The storages by key, for tests. */
    List<String> storageKeys() {
        return new ArrayList<>(storages.keySet());
    }
}
