package io.scaleprotoseg.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** numpy's legacy stream, against outputs numpy gives for seed 42 (widely reproduced values). */
class NumpyLegacyRandomTest {
    @Test
    void seed42GivesNumpysFirstDoubleAndPermutation() {
        // np.random.seed(42); np.random.rand() -> 0.3745401188473625
        assertEquals(0.3745401188473625, new NumpyLegacyRandom(42).nextDouble(), 0);
        // np.random.seed(42); np.random.permutation(10) -> [8 1 5 0 7 2 9 4 3 6]
        assertArrayEquals(new int[] {8, 1, 5, 0, 7, 2, 9, 4, 3, 6}, new NumpyLegacyRandom(42).permutation(10));
        // MT19937's reference first output for init_genrand(5489)
        assertEquals(3499211612L, Integer.toUnsignedLong(new NumpyLegacyRandom(5489).nextInt32()));
        assertEquals("[27, 15, 23, 17, 8, 9, 28, 24, 12, 0]",
                Arrays.toString(Arrays.copyOf(new NumpyLegacyRandom(42).permutation(30), 10)));
        assertThrows(IllegalArgumentException.class, () -> new NumpyLegacyRandom(-1));
    }
}
