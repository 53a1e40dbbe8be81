package io.scaleprotoseg.runtime.trt;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The on-disk form of one cached engine, and its validation. A cache entry is never trusted
 * blindly: it is loaded only when its header names exactly the expected {@link EngineCacheKey}
 * and the engine bytes have the recorded length and SHA-256.
 *
 * <pre>
 * offset 0   8 bytes  magic "SPSTRTE1"
 * offset 8   4 bytes  header length L (big-endian)
 * offset 12  L bytes  header, UTF-8 lines "name=value\n": the key's fields, then
 *                     engine.bytes=&lt;length&gt; and engine.sha256=&lt;hex&gt;
 * offset 12+L         the serialised TensorRT engine (TensorRT's own "plan" format)
 * </pre>
 *
 * Writes go to a temporary file in the same directory, are forced to disk and then renamed over
 * the entry atomically, so a reader (in this or another process) sees either the old entry, the
 * new one, or none; never a torn file.
 */
public final class EngineCacheFile {
    /** The first eight bytes of every entry. */
    static final byte[] MAGIC = "SPSTRTE1".getBytes(StandardCharsets.US_ASCII);
    /** Header length bound: a larger value means a corrupt file. */
    static final int MAX_HEADER = 64 * 1024;
    static final String ENGINE_BYTES = "engine.bytes";
    static final String ENGINE_SHA256 = "engine.sha256";

    private EngineCacheFile() {
    }

    /** What reading an entry found. */
    public sealed interface Lookup permits Hit, Miss, Rejected {
    }

    /** A valid entry for the key. */
    public record Hit(byte[] engine) implements Lookup {
    }

    /** No entry. */
    public record Miss() implements Lookup {
    }

    /** An entry that must not be loaded, and why (stale key, truncation, corruption). */
    public record Rejected(String reason) implements Lookup {
    }

    /** The bytes of an entry for {@code key} holding {@code engine}. */
    public static byte[] encode(EngineCacheKey key, byte[] engine) {
        Map<String, String> header = new LinkedHashMap<>(key.fields());
        header.put(ENGINE_BYTES, Long.toString(engine.length));
        header.put(ENGINE_SHA256, EngineCacheKey.sha256Hex(engine));
        StringBuilder sb = new StringBuilder();
        header.forEach((k, v) -> sb.append(k).append('=').append(v.replace('\n', ' ').replace('\r', ' ')).append('\n'));
        byte[] h = sb.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(12 + h.length + engine.length);
        try (DataOutputStream d = new DataOutputStream(out)) {
            d.write(MAGIC);
            d.writeInt(h.length);
            d.write(h);
            d.write(engine);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * Checks the bytes of an entry against the key the caller needs.
     *
     * @return a {@link Hit} with the engine, or {@link Rejected} with the reason
     */
    public static Lookup decode(byte[] file, EngineCacheKey expected) {
        if (file.length < 12 || !Arrays.equals(Arrays.copyOf(file, MAGIC.length), MAGIC)) {
            return new Rejected("not a ScaleProtoSeg engine cache entry (bad magic number)");
        }
        int headerLength = ByteBuffer.wrap(file, 8, 4).getInt();
        if (headerLength <= 0 || headerLength > MAX_HEADER || 12L + headerLength > file.length) {
            return new Rejected("corrupt header (length " + headerLength + " in a file of " + file.length + " bytes)");
        }
        Map<String, String> header = new LinkedHashMap<>();
        for (String line : new String(file, 12, headerLength, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                return new Rejected("corrupt header line '" + line + "'");
            }
            header.put(line.substring(0, eq), line.substring(eq + 1));
        }
        List<String> diff = expected.differences(header);
        if (!diff.isEmpty()) {
            return new Rejected("stale entry, built for a different setting: " + String.join("; ", diff));
        }
        long engineLength = file.length - 12L - headerLength;
        String recordedLength = header.get(ENGINE_BYTES);
        if (recordedLength == null || !recordedLength.equals(Long.toString(engineLength))) {
            return new Rejected("truncated or padded: the header records " + recordedLength + " engine bytes, the file holds "
                    + engineLength);
        }
        MessageDigest sha = EngineCacheKey.newSha256();
        sha.update(file, 12 + headerLength, (int) engineLength);
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(header.get(ENGINE_SHA256))) {
            return new Rejected("corrupt: the engine bytes' SHA-256 is " + actual + ", the header records "
                    + header.get(ENGINE_SHA256));
        }
        return new Hit(Arrays.copyOfRange(file, 12 + headerLength, file.length));
    }

    /** Reads and checks the entry at {@code file}. */
    public static Lookup read(Path file, EngineCacheKey expected) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 64) {
                return new Rejected("larger than 2 GB, which this cache does not hold");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Miss();
        }
        return decode(bytes, expected);
    }

    /** Writes an entry atomically (temporary file in the same directory, fsync, rename). */
    public static void write(Path file, EngineCacheKey key, byte[] engine) throws IOException {
        writeAtomically(file, encode(key, engine));
    }

    /** Writes bytes to {@code file} through a temporary sibling and an atomic rename. */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(ch)) {
                out.write(bytes);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
