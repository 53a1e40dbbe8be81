package io.scaleprotoseg.runtime.trt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache entries: written atomically, reused, and a corrupt or mismatched entry detected, rejected and rebuilt. */
class EngineCacheTest {
    @TempDir
    Path dir;

    private static byte[] engineBytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".lock")).sorted().toList();
        }
    }

    @Test
    void roundTrip() throws Exception {
        EngineCacheKey key = EngineCacheKeyTest.key();
        byte[] engine = engineBytes(10_000, 1);
        Path file = dir.resolve(key.fileName());
        EngineCacheFile.write(file, key, engine);
        EngineCacheFile.Lookup l = EngineCacheFile.read(file, key);
        assertArrayEquals(engine, assertInstanceOf(EngineCacheFile.Hit.class, l).engine());
        assertEquals(List.of(file), files(), "no temporary file is left behind");
        byte[] raw = Files.readAllBytes(file);
        assertEquals("SPSTRTE1", new String(raw, 0, 8, StandardCharsets.US_ASCII));
        int headerLength = ByteBuffer.wrap(raw, 8, 4).getInt();
        String header = new String(raw, 12, headerLength, StandardCharsets.UTF_8);
        assertTrue(header.contains("gpu.name=NVIDIA A10G\n") && header.contains("engine.bytes=10000\n")
                && header.contains("engine.sha256=" + EngineCacheKey.sha256Hex(engine) + "\n"), header);
        assertEquals(12 + headerLength + engine.length, raw.length);
    }

    @Test
    void missingEntryIsAMiss() throws Exception {
        assertInstanceOf(EngineCacheFile.Miss.class, EngineCacheFile.read(dir.resolve("none.engine"), EngineCacheKeyTest.key()));
    }

    @Test
    void corruptEntriesAreRejected() {
        EngineCacheKey key = EngineCacheKeyTest.key();
        byte[] good = EngineCacheFile.encode(key, engineBytes(4096, 2));

        byte[] flipped = good.clone();
        flipped[flipped.length - 100] ^= 0x40;
        assertTrue(reason(flipped, key).startsWith("corrupt: the engine bytes' SHA-256 is "), reason(flipped, key));

        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        assertTrue(reason(truncated, key).startsWith("truncated or padded: the header records 4096 engine bytes, the file "
                + "holds 4095"), reason(truncated, key));

        byte[] padded = Arrays.copyOf(good, good.length + 3);
        assertTrue(reason(padded, key).startsWith("truncated or padded"), reason(padded, key));

        byte[] magic = good.clone();
        magic[0] = 'X';
        assertEquals("not a ScaleProtoSeg engine cache entry (bad magic number)", reason(magic, key));

        byte[] header = good.clone();
        ByteBuffer.wrap(header, 8, 4).putInt(Integer.MAX_VALUE);
        assertTrue(reason(header, key).startsWith("corrupt header (length 2147483647"), reason(header, key));

        assertEquals("not a ScaleProtoSeg engine cache entry (bad magic number)", reason(new byte[5], key));
        assertTrue(reason("SPSTRTE1\0\0\0\u0005hello".getBytes(StandardCharsets.ISO_8859_1), key)
                .startsWith("corrupt header line 'hello'"));
    }

    @Test
    void anEntryForAnotherSettingIsRejectedNamingWhatDiffers() {
        EngineCacheKey mine = EngineCacheKeyTest.key();
        EngineCacheKey otherGpu = new EngineCacheKey(mine.modelSha256(), "Tesla T4", "7.5", mine.tensorRtVersion(),
                mine.precision(), mine.profile(), mine.outputs(), 0, -1);
        String r = reason(EngineCacheFile.encode(otherGpu, engineBytes(100, 3)), mine);
        assertTrue(r.startsWith("stale entry, built for a different setting: "), r);
        assertTrue(r.contains("gpu.name 'Tesla T4' (this host needs 'NVIDIA A10G')")
                && r.contains("gpu.compute_capability '7.5' (this host needs '8.6')"), r);

        EngineCacheKey oldTrt = new EngineCacheKey(mine.modelSha256(), mine.gpuName(), mine.computeCapability(), "10.14.1.48",
                mine.precision(), mine.profile(), mine.outputs(), 0, -1);
        assertTrue(reason(EngineCacheFile.encode(oldTrt, engineBytes(100, 3)), mine).contains("tensorrt.version '10.14.1.48'"));

        EngineCacheKey fp32 = new EngineCacheKey(mine.modelSha256(), mine.gpuName(), mine.computeCapability(),
                mine.tensorRtVersion(), Precision.FP32, mine.profile(), mine.outputs(), 0, -1);
        assertTrue(reason(EngineCacheFile.encode(fp32, engineBytes(100, 3)), mine).contains("precision 'fp32'"));
    }

    private static String reason(byte[] file, EngineCacheKey key) {
        return assertInstanceOf(EngineCacheFile.Rejected.class, EngineCacheFile.decode(file, key)).reason();
    }

    @Test
    void loadOrBuildStoresReusesAndRebuildsACorruptEntry() throws Exception {
        EngineCache cache = new EngineCache(dir);
        EngineCacheKey key = EngineCacheKeyTest.key();
        AtomicInteger builds = new AtomicInteger();
        byte[] engine = engineBytes(2000, 4);
        EngineCache.Build build = () -> {
            builds.incrementAndGet();
            return engine;
        };
        EngineCache.Result first = cache.loadOrBuild(key, build);
        assertEquals(EngineCache.Source.BUILT, first.source());
        assertTrue(first.stored());
        assertNull(first.rejected());
        assertEquals(cache.fileFor(key), first.file());

        EngineCache.Result second = cache.loadOrBuild(key, build);
        assertEquals(EngineCache.Source.CACHE, second.source());
        assertArrayEquals(engine, second.engine());
        assertEquals(1, builds.get(), "the second open does not build");

        byte[] raw = Files.readAllBytes(first.file());
        raw[raw.length - 1] ^= 1;
        Files.write(first.file(), raw);
        EngineCache.Result third = cache.loadOrBuild(key, build);
        assertEquals(EngineCache.Source.BUILT, third.source(), "a corrupt entry is rebuilt, never loaded");
        assertTrue(third.rejected().startsWith("corrupt"), third.rejected());
        assertEquals(2, builds.get());
        assertInstanceOf(EngineCacheFile.Hit.class, EngineCacheFile.read(first.file(), key), "the entry was replaced");
        assertEquals(List.of(first.file()), files());

        cache.invalidate(key);
        assertEquals(List.of(), files());
    }

    @Test
    void aFailedBuildLeavesNoEntry() throws Exception {
        EngineCache cache = new EngineCache(dir);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> cache.loadOrBuild(EngineCacheKeyTest.key(), () -> {
                    throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "no engine");
                }));
        assertEquals("no engine", e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void concurrentOpensBuildOnce() throws Exception {
        EngineCache cache = new EngineCache(dir);
        EngineCacheKey key = EngineCacheKeyTest.key();
        AtomicInteger builds = new AtomicInteger();
        byte[] engine = engineBytes(50_000, 5);
        int threads = 6;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<EngineCache.Result>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    // each thread its own cache object, as separate segmenters would have
                    return new EngineCache(dir).loadOrBuild(key, () -> {
                        builds.incrementAndGet();
                        LockSupport.parkNanos(50_000_000L);
                        return engine;
                    });
                }));
            }
            start.countDown();
            int built = 0;
            for (Future<EngineCache.Result> f : futures) {
                EngineCache.Result r = f.get(60, TimeUnit.SECONDS);
                assertArrayEquals(engine, r.engine());
                built += r.source() == EngineCache.Source.BUILT ? 1 : 0;
            }
            assertEquals(1, builds.get(), "one build, the others load its entry");
            assertEquals(1, built);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(cache.fileFor(key)), files());
    }

    @Test
    void writesReplaceAtomically() throws Exception {
        EngineCacheKey key = EngineCacheKeyTest.key();
        Path file = dir.resolve(key.fileName());
        EngineCacheFile.write(file, key, engineBytes(100, 6));
        byte[] newer = engineBytes(300, 7);
        EngineCacheFile.write(file, key, newer);
        assertArrayEquals(newer, assertInstanceOf(EngineCacheFile.Hit.class, EngineCacheFile.read(file, key)).engine());
        assertEquals(List.of(file), files());
        assertSame(EngineCacheFile.Miss.class, EngineCacheFile.read(dir.resolve("x"), key).getClass());
    }
}
