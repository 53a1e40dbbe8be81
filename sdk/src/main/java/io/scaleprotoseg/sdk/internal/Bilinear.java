package io.scaleprotoseg.sdk.internal;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Bilinear resampling with half-pixel centres and edge clamping, the convention of ONNX
 * {@code Resize} (coordinate_transformation_mode half_pixel / pytorch_half_pixel) and of PyTorch's
 * {@code interpolate(align_corners=False)} without antialiasing. The SDK uses it for class scores,
 * heat maps and image resizing so that its maps line up with the in-graph mask.
 */
public final class Bilinear {
    private Bilinear() {
    }

    /**
     * Sampling positions for one axis: for each output index, the lower source index, the upper
     * source index and the weight of the upper one.
     */
    public static final class Axis {
        public final int[] lo;
        public final int[] hi;
        public final float[] frac;

        Axis(int in, int out) {
            lo = new int[out];
            hi = new int[out];
            frac = new float[out];
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                double s = (o + 0.5) * scale - 0.5;
                if (s < 0) {
                    s = 0;
                }
                int l = (int) s;
                if (l > in - 1) {
                    l = in - 1;
                }
                lo[o] = l;
                hi[o] = Math.min(l + 1, in - 1);
                frac[o] = (float) (s - l);
            }
        }
    }

    public static Axis axis(int in, int out) {
        return new Axis(in, out);
    }

    /** Source coordinate of output position {@code o} on an axis of {@code in -> out}. */
    public static double sourceCoordinate(int o, int in, int out) {
        double s = (o + 0.5) * in / out - 0.5;
        return Math.max(0, s);
    }

    /**
     * Upsamples (or downsamples) one channel {@code src[offset .. offset + h*w)} to {@code H x W}.
     */
    public static float[] resize(float[] src, int offset, int h, int w, int outH, int outW) {
        float[] dst = new float[outH * outW];
        resizeInto(src, offset, h, w, outH, outW, axis(h, outH), axis(w, outW), dst, 0);
        return dst;
    }

    /** As {@link #resize} into {@code dst[dstOffset ...]}, with precomputed axes. */
    public static void resizeInto(float[] src, int offset, int h, int w, int outH, int outW, Axis ya, Axis xa,
            float[] dst, int dstOffset) {
        for (int y = 0; y < outH; y++) {
            int r0 = offset + ya.lo[y] * w;
            int r1 = offset + ya.hi[y] * w;
            float fy = ya.frac[y];
            int d = dstOffset + y * outW;
            for (int x = 0; x < outW; x++) {
                int x0 = xa.lo[x];
                int x1 = xa.hi[x];
                float fx = xa.frac[x];
                dst[d + x] = at(src, r0, r1, x0, x1, fx, fy);
            }
        }
    }

    /** The value at output pixel (x, y) of channel {@code src[offset ...]} resized to H x W. */
    public static double sample(float[] src, int offset, int h, int w, int outH, int outW, int x, int y) {
        double sy = sourceCoordinate(y, h, outH);
        double sx = sourceCoordinate(x, w, outW);
        int y0 = Math.min((int) sy, h - 1);
        int x0 = Math.min((int) sx, w - 1);
        int y1 = Math.min(y0 + 1, h - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double fy = sy - y0;
        double fx = sx - x0;
        double top = src[offset + y0 * w + x0] * (1 - fx) + src[offset + y0 * w + x1] * fx;
        double bottom = src[offset + y1 * w + x0] * (1 - fx) + src[offset + y1 * w + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    /**
     * The argmax over {@code channels} of the channels {@code src[offset ...]} ([C, h, w]) resized
     * to H x W; ties go to the lowest class, as ONNX ArgMax does.
     */
    public static int[] argmaxResized(float[] src, int offset, int channels, int h, int w, int outH, int outW) {
        return argmaxResized(src, offset, channels, h, w, outH, outW, axis(h, outH), axis(w, outW));
    }

    /** As {@link #argmaxResized(float[], int, int, int, int, int, int)} with precomputed axes. */
    public static int[] argmaxResized(float[] src, int offset, int channels, int h, int w, int outH, int outW, Axis ya,
            Axis xa) {
        int[] mask = new int[outH * outW];
        if ((long) outH * outW >= PARALLEL_PIXELS) {
            // a large image (a tiled one): row blocks on the common pool; each row is computed as below, so the mask
            // is the same whatever the threads
            int blocks = (outH + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
            IntStream.range(0, blocks).parallel().forEach(b -> argmaxRows(src, offset, channels, h, w, outW, ya, xa, mask,
                    b * ROWS_PER_TASK, Math.min(outH, (b + 1) * ROWS_PER_TASK)));
        } else {
            argmaxRows(src, offset, channels, h, w, outW, ya, xa, mask, 0, outH);
        }
        return mask;
    }

    /** Output images at least this large are argmaxed on several threads. */
    private static final long PARALLEL_PIXELS = 1L << 21;
    private static final int ROWS_PER_TASK = 64;

    private static void argmaxRows(float[] src, int offset, int channels, int h, int w, int outW, Axis ya, Axis xa,
            int[] mask, int fromRow, int toRow) {
        float[] best = new float[outW];
        int hw = h * w;
        for (int y = fromRow; y < toRow; y++) {
            Arrays.fill(best, Float.NEGATIVE_INFINITY);
            int d = y * outW;
            float fy = ya.frac[y];
            for (int c = 0; c < channels; c++) {
                int r0 = offset + c * hw + ya.lo[y] * w;
                int r1 = offset + c * hw + ya.hi[y] * w;
                for (int x = 0; x < outW; x++) {
                    int x0 = xa.lo[x];
                    int x1 = xa.hi[x];
                    float fx = xa.frac[x];
                    float v = at(src, r0, r1, x0, x1, fx, fy);
                    if (v > best[x]) {
                        best[x] = v;
                        mask[d + x] = c;
                    }
                }
            }
        }
    }

    /**
     * {@link #argmaxResized} at every output pixel into {@code argOut}, and the margin there, the
     * best channel's value minus the second best's (float, computed exactly as the argmax is), into
     * {@code best}; the first {@code outH * outW} values of each, {@code second} (as long) is scratch.
     */
    public static void marginsResized(float[] src, int channels, int h, int w, int outH, int outW, int[] argOut,
            float[] best, float[] second) {
        Axis ya = axis(h, outH);
        Axis xa = axis(w, outW);
        int n = outH * outW;
        Arrays.fill(best, 0, n, Float.NEGATIVE_INFINITY);
        Arrays.fill(second, 0, n, Float.NEGATIVE_INFINITY);
        Arrays.fill(argOut, 0, n, 0);
        int hw = h * w;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outH; y++) {
                int r0 = c * hw + ya.lo[y] * w;
                int r1 = c * hw + ya.hi[y] * w;
                float fy = ya.frac[y];
                int d = y * outW;
                for (int x = 0; x < outW; x++) {
                    int x0 = xa.lo[x];
                    int x1 = xa.hi[x];
                    float fx = xa.frac[x];
                    float v = at(src, r0, r1, x0, x1, fx, fy);
                    if (v > best[d + x]) {
                        second[d + x] = best[d + x];
                        best[d + x] = v;
                        argOut[d + x] = c;
                    } else if (v > second[d + x]) {
                        second[d + x] = v;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            best[i] = channels == 1 ? Float.POSITIVE_INFINITY : best[i] - second[i];
        }
    }

    /**
     * {@link #argmaxResized} at the {@code n} output pixels {@code pixels[i] = y * outW + x} only,
     * into {@code out[i]} (float, computed exactly as the full argmax).
     */
    public static void argmaxAt(float[] src, int channels, int h, int w, int outH, int outW, int[] pixels, int n, int[] out) {
        argmaxAt(src, channels, h, w, outH, outW, pixels, n, out, axis(h, outH), axis(w, outW));
    }

    /** As {@link #argmaxAt(float[], int, int, int, int, int, int[], int, int[])} with precomputed axes. */
    public static void argmaxAt(float[] src, int channels, int h, int w, int outH, int outW, int[] pixels, int n, int[] out,
            Axis ya, Axis xa) {
        int hw = h * w;
        for (int i = 0; i < n; i++) {
            int y = pixels[i] / outW;
            int x = pixels[i] % outW;
            out[i] = argmaxAt(src, channels, hw, ya.lo[y] * w, ya.hi[y] * w, xa.lo[x], xa.hi[x], xa.frac[x], ya.frac[y]);
        }
    }

    /**
     * The argmax over {@code channels} ([C, h, w], {@code hw = h * w}) of one output pixel, given its
     * support: row offsets {@code r0}, {@code r1} within a channel, columns {@code x0}, {@code x1}
     * and the weights of the upper ones; computed exactly as {@link #argmaxResized}, ties to the
     * lowest channel.
     */
    public static int argmaxAt(float[] src, int channels, int hw, int r0, int r1, int x0, int x1, float fx, float fy) {
        float best = Float.NEGATIVE_INFINITY;
        int arg = 0;
        for (int c = 0, o = 0; c < channels; c++, o += hw) {
            float v = at(src, o + r0, o + r1, x0, x1, fx, fy);
            if (v > best) {
                best = v;
                arg = c;
            }
        }
        return arg;
    }

    /**
     * The bilinear value between rows {@code r0}, {@code r1} and columns {@code x0}, {@code x1}, in
     * float: the one formula every resize, argmax and margin here uses, so that they agree to the bit.
     */
    private static float at(float[] src, int r0, int r1, int x0, int x1, float fx, float fy) {
        float top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * fx;
        float bottom = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * fx;
        return top + (bottom - top) * fy;
    }

    /** The feature cell whose centre is nearest to pixel {@code p} (METHOD.md 2, centre-aligned). */
    public static int cellOf(int p, int in, int out) {
        return Math.min(out - 1, (int) Math.floor((p + 0.5) * out / in));
    }
}
