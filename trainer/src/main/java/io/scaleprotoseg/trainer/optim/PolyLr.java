package io.scaleprotoseg.trainer.optim;

/** The poly schedule of METHOD.md 3: lr_t = lr0 * (1 - t / T)^0.9. */
public final class PolyLr {
    public static final double POWER = 0.9;

    private PolyLr() {
    }

    /** The rate at update {@code t} of {@code total} (t = 0 gives lr0; t >= total gives 0). */
    public static double rate(double lr0, long t, long total) {
        if (total <= 0) {
            return lr0;
        }
        double f = Math.max(0, 1 - (double) t / total);
        return lr0 * Math.pow(f, POWER);
    }
}
