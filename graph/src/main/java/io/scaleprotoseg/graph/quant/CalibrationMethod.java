package io.scaleprotoseg.graph.quant;

import java.util.Locale;

/**
 * How an activation tensor's quantisation range is chosen from the values it took on the
 * calibration images ({@link Calibrator} computes them).
 */
public enum CalibrationMethod {
    /** The smallest and largest value seen: nothing clips, but one outlier coarsens every step. */
    MINMAX("minmax"),
    /**
     * The range between the (100 - p)-th and p-th percentiles of the values seen (p = 99.99 by
     * default), from a 2048-bin histogram over [min, max]: the rarest outliers clip, the steps are
     * finer.
     */
    PERCENTILE("percentile"),
    /**
     * TensorRT's entropy calibration: from a 2048-bin histogram of |x|, the clipping threshold T
     * whose quantised distribution (the bins up to T merged into as many levels as the encoding has
     * for that sign, values beyond T folded into the last bin) is closest in Kullback-Leibler
     * divergence to the original; the range is [max(min, -T), min(max, T)].
     */
    ENTROPY("entropy");

    private final String id;

    CalibrationMethod(String id) {
        this.id = id;
    }

    /** The command-line name. */
    public String id() {
        return id;
    }

    /** Whether the method needs a histogram (a second pass over the calibration images). */
    public boolean needsHistogram() {
        return this != MINMAX;
    }

    /**
     * The method named {@code id}.
     *
     * @throws QuantizationException naming --method for an unknown name
     */
    public static CalibrationMethod parse(String id) throws QuantizationException {
        String s = id.strip().toLowerCase(Locale.ROOT);
        for (CalibrationMethod m : values()) {
            if (m.id.equals(s)) {
                return m;
            }
        }
        throw new QuantizationException("--method " + id + ": unknown calibration method; use minmax, percentile or entropy");
    }
}
