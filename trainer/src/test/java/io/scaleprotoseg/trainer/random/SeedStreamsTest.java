package io.scaleprotoseg.trainer.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Streams keyed by seed, purpose and index are reproducible and unrelated to their neighbours'. */
class SeedStreamsTest {
    private static final int HEAD = 4;
    private static final int WINDOW = 512;

    /** How many of {@code b}'s first draws occur among {@code a}'s first {@link #WINDOW} draws. */
    private static int overlap(SplittableRandom a, SplittableRandom b) {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < WINDOW; i++) {
            seen.add(a.nextLong());
        }
        int n = 0;
        for (int i = 0; i < HEAD; i++) {
            if (seen.contains(b.nextLong())) {
                n++;
            }
        }
        return n;
    }

    @Test
    void neighbouringSeedsGiveStreamsThatAreNotShiftedCopies() {
        for (long s = -8; s < 64; s++) {
            for (String purpose : new String[] {"group-layer", "epoch-order", "init:prototypes"}) {
                assertEquals(0, overlap(SeedStreams.stream(s, purpose), SeedStreams.stream(s + 1, purpose)), purpose + " seed " + s);
                assertEquals(0, overlap(SeedStreams.stream(s + 1, purpose), SeedStreams.stream(s, purpose)), purpose + " seed " + s);
            }
            assertEquals(0, overlap(SeedStreams.stream(s, "epoch-order", 3), SeedStreams.stream(s, "epoch-order", 4)));
            assertEquals(0, overlap(SeedStreams.stream(s, "epoch-order", 3), SeedStreams.stream(s + 1, "epoch-order", 2)));
            assertEquals(0, overlap(SeedStreams.stream(s, "augmentation", 10), SeedStreams.stream(s, "augmentation", 11)));
        }
    }

    @Test
    void theArithmeticDerivationThisReplacesDidShiftStreams() {
        // what GroupLayer and the batch order used to do: seed s + 1 replays seed s one draw later
        long g = 0x9E3779B97F4A7C15L;
        SplittableRandom s0 = new SplittableRandom(0 * g + 0x47524F5550L);
        SplittableRandom s1 = new SplittableRandom(1 * g + 0x47524F5550L);
        s0.nextLong();
        assertEquals(s0.nextLong(), s1.nextLong(), "the bug the test above guards against");
        assertEquals(HEAD, overlap(new SplittableRandom(5 * g), new SplittableRandom(6 * g)));
    }

    @Test
    void theSameKeyGivesTheSameStreamInEveryVersion() {
        assertEquals(SeedStreams.stream(7, "augmentation", 3).nextLong(), SeedStreams.stream(7, "augmentation", 3).nextLong());
        assertNotEquals(SeedStreams.key(7, "augmentation", 3), SeedStreams.key(7, "augmentation", 3, 0));
        assertNotEquals(SeedStreams.key(7, "a"), SeedStreams.key(7, "b"));
        // pinned: a changed derivation would silently change every run of every seed
        assertEquals(PINNED, SeedStreams.key(42, "augmentation", 7));
        assertTrue(SeedStreams.mix(1) != 1);
    }

    private static final long PINNED = 8188284417125582619L;
}
