package io.scaleprotoseg.trainer.random;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The one place where a run's seed becomes random streams: each draw of the trainer (initial
 * weights, group layer, batch order, augmentation, batch-norm calibration) takes its own stream,
 * keyed by the seed, a purpose and optional indices (epoch, sample number), all hashed together.
 *
 * <p>Why hashed: {@link SplittableRandom} walks its seed in steps of a fixed odd constant, so
 * seeds built arithmetically ({@code seed * 0x9E3779B97F4A7C15L + k}) made seed s + 1 replay seed
 * s's stream shifted by one draw. Here every component goes through SplitMix64's finaliser, so
 * neighbouring seeds, purposes and indices give unrelated streams; the same key gives the same
 * stream on every machine, thread count and JVM (bit-for-bit reproducible runs rely on that).
 *
 * <p>Stateless and thread-safe.
 */
public final class SeedStreams {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private SeedStreams() {
    }

    /** A fresh stream for {@code purpose} (and {@code indices}) of the run seeded with {@code seed}. */
    public static SplittableRandom stream(long seed, String purpose, long... indices) {
        return new SplittableRandom(key(seed, purpose, indices));
    }

    /** The 64-bit key of {@link #stream}, for APIs that take a seed. */
    public static long key(long seed, String purpose, long... indices) {
        long h = mix(seed + GOLDEN);
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L; // FNV-1a over the purpose's bytes
        }
        h = mix(h);
        for (long i : indices) {
            h = mix(h ^ mix(i + GOLDEN));
        }
        return h;
    }

    /** SplitMix64's finaliser (Stafford's variant 13): a bijective, well-mixed 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
