package io.scaleprotoseg.trainer.data;

/**
 * The random stream of numpy's legacy global generator ({@code np.random.seed(s)}): the Mersenne
 * Twister MT19937 seeded from a 32-bit integer, with the draws numpy's legacy {@code RandomState}
 * makes for {@code rand()} and {@code permutation(n)} (so {@code choice(n, k, replace=False)}, its
 * first k). Used where a data set split must be the reference's own (the EM validation slices,
 * drawn with {@code np.random.choice(30, 10, replace=False)} after {@code np.random.seed(42)}).
 * Written from the published algorithm; not thread-safe.
 */
public final class NumpyLegacyRandom {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER = 0x80000000;
    private static final int LOWER = 0x7fffffff;

    private final int[] mt = new int[N];
    private int index;

    /** The stream after {@code np.random.seed(seed)} (0 <= seed < 2^32). */
    public NumpyLegacyRandom(long seed) {
        if (seed < 0 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("numpy seeds lie in 0..2^32-1, got " + seed);
        }
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    /** The next 32 random bits (MT19937's genrand_int32). */
    public int nextInt32() {
        if (index >= N) {
            for (int k = 0; k < N; k++) {
                int y = (mt[k] & UPPER) | (mt[(k + 1) % N] & LOWER);
                mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) == 0 ? 0 : MATRIX_A);
            }
            index = 0;
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** {@code np.random.rand()}: 53 random bits from two draws, in [0, 1). */
    public double nextDouble() {
        long a = Integer.toUnsignedLong(nextInt32()) >>> 5;
        long b = Integer.toUnsignedLong(nextInt32()) >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** A uniform integer in 0..max by masked rejection, as numpy's legacy bounded draws (max < 2^32). */
    public long interval(long max) {
        if (max == 0) {
            return 0;
        }
        long mask = max;
        for (int s = 1; s <= 16; s <<= 1) {
            mask |= mask >>> s;
        }
        long v;
        do {
            v = Integer.toUnsignedLong(nextInt32()) & mask;
        } while (v > max);
        return v;
    }

    /** {@code np.random.permutation(n)}: 0..n-1 shuffled from the last position down. */
    public int[] permutation(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int) interval(i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
