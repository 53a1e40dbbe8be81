package io.scaleprotoseg.trainer.data;

/**
 * Stateless hash noise for the generators: the value at a lattice point depends only on its
 * coordinates and a salt, so textures are reproducible and independent of drawing order.
 */
final class Noise {
    private Noise() {
    }

    /** SplitMix64's finaliser: a well-mixed 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The seed of sample {@code index} of split {@code split} of a generator seeded with {@code seed}. */
    static long sampleSeed(long seed, Split split, int index) {
        return mix(mix(seed * 0x9E3779B97F4A7C15L + split.ordinal() + 1) + index * 0xC2B2AE3D27D4EB4FL);
    }

    /** Uniform in [0, 1) at integer lattice point (x, y). */
    static double hash01(long x, long y, long salt) {
        long h = mix(x * 0x9E3779B97F4A7C15L ^ mix(y * 0xC2B2AE3D27D4EB4FL ^ salt));
        return (h >>> 11) * 0x1.0p-53;
    }

    /** Smooth value noise in [0, 1): bilinear interpolation of lattice hashes with a smoothstep. */
    static double value(double x, double y, long salt) {
        double fx = Math.floor(x);
        double fy = Math.floor(y);
        long ix = (long) fx;
        long iy = (long) fy;
        double tx = x - fx;
        double ty = y - fy;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        double a = hash01(ix, iy, salt);
        double b = hash01(ix + 1, iy, salt);
        double c = hash01(ix, iy + 1, salt);
        double d = hash01(ix + 1, iy + 1, salt);
        return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }

    /** Two octaves of value noise, in [0, 1). */
    static double fractal(double x, double y, long salt) {
        return (value(x, y, salt) * 2 + value(x * 2.03, y * 2.03, salt + 1)) / 3;
    }
}
