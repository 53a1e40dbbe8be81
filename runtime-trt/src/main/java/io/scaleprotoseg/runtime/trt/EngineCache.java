package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.spi.CacheDirectory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of serialised engines ({@link EngineCacheFile} entries named by
 * {@link EngineCacheKey#fileName()}).
 *
 * <p>{@link #loadOrBuild} holds a lock per entry while it checks and builds: a lock in this JVM and
 * an advisory {@link FileLock} on {@code <entry>.lock} for other processes. So when several
 * threads or processes open the same model at once, one builds and the others wait and then load
 * its entry instead of building the same engine again. Where file locks are not supported the
 * build simply runs more than once; the atomic rename keeps the entry whole either way.
 */
public final class EngineCache {
    private static final Logger LOG = LoggerFactory.getLogger(EngineCache.class);
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path dir;

    /** A build of the engine bytes, run on a cache miss. */
    @FunctionalInterface
    public interface Build {
        byte[] run() throws ScaleProtoSegException;
    }

    /** Where the engine came from. */
    public enum Source {
        /** Read from a valid cache entry. */
        CACHE,
        /** Built now (no entry, or the entry was rejected), and stored. */
        BUILT
    }

    /**
     * The engine bytes and how they were obtained.
     *
     * @param rejected why an existing entry was not used, or null
     * @param stored false when the new entry could not be written (the engine is still usable)
     */
    public record Result(byte[] engine, Source source, Path file, String rejected, boolean stored) {
    }

    public EngineCache(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /** The entry file of a key. */
    public Path fileFor(EngineCacheKey key) {
        return dir.resolve(key.fileName());
    }

    /**
     * Returns the cached engine for {@code key} when a valid entry exists; otherwise runs
     * {@code build}, stores the result and returns it. A stale or corrupt entry is reported in the
     * result and replaced.
     *
     * @throws IOException when the directory cannot be created
     */
    @SuppressWarnings("try")
    public Result loadOrBuild(EngineCacheKey key, Build build) throws IOException, ScaleProtoSegException {
        String shared = CacheDirectory.prepare(dir, "TensorRT engine cache directory", false);
        if (shared != null) {
            LOG.warn("TensorRT engine cache directory {} is not private ({}); used because {}=true", dir, shared,
                    CacheDirectory.ALLOW_SHARED_PROPERTY);
        }
        Path file = fileFor(key);
        ReentrantLock local = LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        local.lock();
        try (HeldLock ignored = lockFile(file)) {
            EngineCacheFile.Lookup found = EngineCacheFile.read(file, key);
            if (found instanceof EngineCacheFile.Hit hit) {
                return new Result(hit.engine(), Source.CACHE, file, null, true);
            }
            String rejected = found instanceof EngineCacheFile.Rejected r ? r.reason() : null;
            if (rejected != null) {
                LOG.warn("TensorRT engine cache entry {} rejected ({}); rebuilding it", file, rejected);
            }
            byte[] engine = build.run();
            boolean stored = true;
            try {
                EngineCacheFile.write(file, key, engine);
            } catch (IOException e) {
                stored = false;
                LOG.warn("could not store the TensorRT engine in {}: {}", file, e.toString());
            }
            return new Result(engine, Source.BUILT, file, rejected, stored);
        } finally {
            local.unlock();
        }
    }

    /** Deletes the entry of a key (after the runtime refused to load it). */
    public void invalidate(EngineCacheKey key) {
        try {
            Files.deleteIfExists(fileFor(key));
        } catch (IOException e) {
            LOG.warn("could not delete TensorRT engine cache entry {}: {}", fileFor(key), e.toString());
        }
    }

    /** An exclusive advisory lock on {@code <entry>.lock}, or null where the file system has none. */
    private static HeldLock lockFile(Path entry) {
        Path lockPath = entry.resolveSibling(entry.getFileName() + ".lock");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new HeldLock(ch, ch.lock());
        } catch (IOException | OverlappingFileLockException | UnsupportedOperationException e) {
            LOG.debug("no file lock for {}: {}", lockPath, e.toString());
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
            return null;
        }
    }

    /** A file lock and its channel, released and closed together. */
    private record HeldLock(FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
