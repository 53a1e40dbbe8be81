package io.scaleprotoseg.graph.quant;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects the values activation tensors take on calibration images and turns them into
 * quantisation ranges by a {@link CalibrationMethod}.
 *
 * <p>Pass 1 ({@link #observe}) records each tensor's min and max. Methods that need a histogram
 * then run pass 2 ({@link #startHistograms()}, {@link #observe} again on the same images): a
 * {@value #BINS}-bin histogram of each tensor over [min, max] (percentile) or of |x| over
 * [0, max(|min|, |max|)] (entropy). Not thread-safe.
 */
public final class Calibrator {
    /** Histogram bins per tensor. */
    public static final int BINS = 2048;
    /** The default percentile of {@link CalibrationMethod#PERCENTILE}. */
    public static final double DEFAULT_PERCENTILE = 99.99;

    /** Runs the FP32 model on one calibration image and hands each requested tensor to a consumer. */
    @FunctionalInterface
    public interface TensorSource {
        /**
         * Runs the calibration probe on image {@code index} and passes every calibration tensor's values.
         *
         * @param index the image, 0..n-1
         * @param sink receives (tensor name, values); the buffer is valid only during the call
         */
        void run(int index, TensorSink sink) throws Exception;
    }

    /** Receives a tensor's values. */
    @FunctionalInterface
    public interface TensorSink {
        void accept(String name, FloatBuffer values);
    }

    private final CalibrationMethod method;
    private final double percentile;
    private final ActivationType type;
    private final Map<String, float[]> minMax = new LinkedHashMap<>();
    private final Map<String, long[]> histograms = new HashMap<>();
    private boolean histogramPass;
    private Set<String> minMaxOnly = Set.of();

    /**
     * A calibrator.
     *
     * @param method how ranges are chosen
     * @param percentile p of the percentile method, in (50, 100]
     * @param type the activation encoding (the entropy method fits its number of levels)
     */
    public Calibrator(CalibrationMethod method, double percentile, ActivationType type) {
        if (!(percentile > 50 && percentile <= 100)) {
            throw new IllegalArgumentException("--percentile must lie in (50, 100], got " + percentile);
        }
        this.method = method;
        this.percentile = percentile;
        this.type = type;
    }

    /**
     * Calibrates {@code tensors} by min and max whatever the method (the image tensors,
     * {@link QdqQuantizer.Plan#imageTensors()}); returns this calibrator.
     */
    public Calibrator minMaxFor(Set<String> tensors) {
        this.minMaxOnly = Set.copyOf(tensors);
        return this;
    }

    /**
     * Runs {@code source} over {@code images} images for every pass the method needs and returns the
     * ranges of {@code tensors}.
     *
     * @throws QuantizationException when a tensor was never seen or holds a non-finite value
     */
    public static Map<String, QdqQuantizer.Range> calibrate(Calibrator c, List<String> tensors, int images, TensorSource source)
            throws Exception {
        for (int i = 0; i < images; i++) {
            source.run(i, c::observe);
        }
        if (c.method.needsHistogram()) {
            c.startHistograms();
            for (int i = 0; i < images; i++) {
                source.run(i, c::observe);
            }
        }
        return c.ranges(tensors);
    }

    /** Takes one tensor's values of one image (pass 1: min and max; pass 2: histogram). */
    public void observe(String name, FloatBuffer values) {
        if (!histogramPass) {
            float[] mm = minMax.computeIfAbsent(name, k -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
            float lo = mm[0];
            float hi = mm[1];
            for (int i = values.position(); i < values.limit(); i++) {
                float v = values.get(i);
                if (v < lo) {
                    lo = v;
                }
                if (v > hi) {
                    hi = v;
                }
                if (Float.isNaN(v)) {
                    lo = Float.NaN;
                    break;
                }
            }
            mm[0] = lo;
            mm[1] = hi;
            return;
        }
        float[] mm = minMax.get(name);
        if (mm == null) {
            return;
        }
        long[] h = histograms.computeIfAbsent(name, k -> new long[BINS]);
        boolean abs = method == CalibrationMethod.ENTROPY;
        double lo = abs ? 0 : mm[0];
        double hi = abs ? Math.max(Math.abs(mm[0]), Math.abs(mm[1])) : mm[1];
        double width = (hi - lo) / BINS;
        if (!(width > 0)) {
            h[0] += values.remaining();
            return;
        }
        for (int i = values.position(); i < values.limit(); i++) {
            float v = values.get(i);
            int b = (int) (((abs ? Math.abs(v) : v) - lo) / width);
            h[Math.max(0, Math.min(BINS - 1, b))]++;
        }
    }

    /** Starts pass 2: the same images again, into histograms over the ranges of pass 1. */
    public void startHistograms() {
        histogramPass = true;
    }

    /**
     * The ranges of {@code tensors}.
     *
     * @throws QuantizationException when a tensor was never seen or held a non-finite value
     */
    public Map<String, QdqQuantizer.Range> ranges(List<String> tensors) throws QuantizationException {
        Map<String, QdqQuantizer.Range> out = new LinkedHashMap<>();
        for (String t : tensors) {
            float[] mm = minMax.get(t);
            if (mm == null) {
                throw new QuantizationException("activation '" + t + "' was not seen on the calibration images");
            }
            if (!Float.isFinite(mm[0]) || !Float.isFinite(mm[1])) {
                throw new QuantizationException("activation '" + t + "' took non-finite values on the calibration images; "
                        + "the FP32 model overflows on them and cannot be calibrated");
            }
            out.put(t, minMaxOnly.contains(t) ? new QdqQuantizer.Range(mm[0], mm[1]) : switch (method) {
                case MINMAX -> new QdqQuantizer.Range(mm[0], mm[1]);
                case PERCENTILE -> percentileRange(histograms.get(t), mm[0], mm[1], percentile);
                case ENTROPY -> entropyRange(histograms.get(t), mm[0], mm[1], mm[0] < 0 || type == ActivationType.INT8 ? 128 : 256);
            });
        }
        return out;
    }

    /** [the (100 - p)-th percentile, the p-th percentile] of the values, from their histogram over [min, max]. */
    static QdqQuantizer.Range percentileRange(long[] h, float min, float max, double p) {
        if (h == null || !(max > min)) {
            return new QdqQuantizer.Range(min, max);
        }
        long total = 0;
        for (long c : h) {
            total += c;
        }
        double width = ((double) max - min) / h.length;
        double lowCount = total * (100 - p) / 100;
        double highCount = total * p / 100;
        long acc = 0;
        int lowBin = 0;
        while (lowBin < h.length - 1 && acc + h[lowBin] <= lowCount) {
            acc += h[lowBin++];
        }
        acc = 0;
        int highBin = 0;
        while (highBin < h.length - 1 && acc + h[highBin] < highCount) {
            acc += h[highBin++];
        }
        float lo = lowBin == 0 ? min : (float) (min + lowBin * width);
        float hi = highBin == h.length - 1 ? max : (float) (min + (highBin + 1) * width);
        return new QdqQuantizer.Range(Math.min(lo, hi), Math.max(lo, hi));
    }

    /**
     * TensorRT-style entropy calibration on the histogram of |x| over [0, m], m = max(|min|, |max|):
     * for each candidate threshold bin i >= levels, the reference distribution P is the first i bins
     * with the counts beyond added to bin i - 1, Q is P merged into {@code levels} equal groups and
     * spread back over the non-empty bins of each group; T = (i + 0.5) bin widths for the i of least
     * KL(P || Q).
     */
    static QdqQuantizer.Range entropyRange(long[] h, float min, float max, int levels) {
        double m = Math.max(Math.abs(min), Math.abs(max));
        if (h == null || !(m > 0)) {
            return new QdqQuantizer.Range(min, max);
        }
        int bins = h.length;
        double width = m / bins;
        double best = Double.POSITIVE_INFINITY;
        int bestI = bins;
        double[] p = new double[bins];
        double[] q = new double[bins];
        for (int i = levels; i <= bins; i++) {
            long outliers = 0;
            for (int k = i; k < bins; k++) {
                outliers += h[k];
            }
            for (int k = 0; k < i; k++) {
                p[k] = h[k];
            }
            p[i - 1] += outliers;
            // Q: the first i bins (without the folded outliers) merged into `levels` groups, spread evenly over non-empty bins
            double perGroup = (double) i / levels;
            for (int g = 0; g < levels; g++) {
                int start = (int) Math.floor(g * perGroup);
                int end = g == levels - 1 ? i : (int) Math.floor((g + 1) * perGroup);
                double sum = 0;
                int nonEmpty = 0;
                for (int k = start; k < end; k++) {
                    sum += h[k];
                    if (h[k] != 0) {
                        nonEmpty++;
                    }
                }
                for (int k = start; k < end; k++) {
                    q[k] = h[k] == 0 || nonEmpty == 0 ? 0 : sum / nonEmpty;
                }
            }
            double kl = kl(p, q, i);
            if (kl < best) {
                best = kl;
                bestI = i;
            }
        }
        double t = Math.min(m, (bestI + 0.5) * width);
        return new QdqQuantizer.Range((float) Math.max(min, -t), (float) Math.min(max, t));
    }

    /** Probability mass moved onto empty bins before comparing distributions (the usual smoothing of this method). */
    private static final double SMOOTHING = 1e-4;

    /**
     * KL(P || Q) of the first n entries, both normalised and smoothed: every empty bin gets
     * {@link #SMOOTHING}, taken evenly from the non-empty ones, so that a bin Q leaves empty costs a
     * finite amount in proportion to P's mass there.
     */
    private static double kl(double[] p, double[] q, int n) {
        double[] ps = smooth(p, n);
        double[] qs = smooth(q, n);
        if (ps == null || qs == null) {
            return Double.POSITIVE_INFINITY;
        }
        double d = 0;
        for (int k = 0; k < n; k++) {
            if (ps[k] > 0 && qs[k] > 0) {
                d += ps[k] * Math.log(ps[k] / qs[k]);
            }
        }
        return d;
    }

    private static double[] smooth(double[] h, int n) {
        double sum = 0;
        int zeros = 0;
        for (int k = 0; k < n; k++) {
            sum += h[k];
            if (h[k] == 0) {
                zeros++;
            }
        }
        if (sum == 0 || zeros == n) {
            return null;
        }
        double take = SMOOTHING * zeros / (n - zeros);
        double[] s = new double[n];
        for (int k = 0; k < n; k++) {
            s[k] = h[k] == 0 ? SMOOTHING : h[k] / sum - take;
        }
        return s;
    }
}
