package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Differentiable bilinear resizing with half-pixel centres, edge clamping and no antialiasing,
 * as two products with interpolation matrices: out = R_y . x . R_x^T. It computes what ONNX
 * {@code Resize} (mode linear, half_pixel) computes in the exported graph, for downsampling too,
 * where DJL's own interpolation would antialias.
 */
public final class BilinearResize {
    private BilinearResize() {
    }

    /**
     * The [out, in] interpolation matrix of one axis. {@code scale} is the factor the coordinates
     * map with (source = (o + 0.5) / scale - 0.5), as ONNX Resize with explicit scales; NaN maps by
     * the size ratio, as Resize with explicit sizes.
     */
    static float[] matrix(int in, int out, double scale) {
        float[] r = new float[out * in];
        double step = Double.isNaN(scale) ? (double) in / out : 1 / scale;
        for (int o = 0; o < out; o++) {
            double s = Math.min(Math.max((o + 0.5) * step - 0.5, 0), in - 1);
            int lo = (int) s;
            int hi = Math.min(lo + 1, in - 1);
            double f = s - lo;
            r[o * in + lo] += (float) (1 - f);
            r[o * in + hi] += (float) f;
        }
        return r;
    }

    /** Resizes [B, C, H, W] to [B, C, outH, outW]; results live in {@code x}'s manager. */
    public static NDArray resize(NDArray x, int outH, int outW, double scale) {
        NDManager m = x.getManager();
        Shape s = x.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        NDArray ry = OwnedTensors.of(m, matrix(h, outH, scale), new Shape(outH, h));
        NDArray rxT = OwnedTensors.of(m, matrix(w, outW, scale), new Shape(outW, w)).transpose();
        return ry.matMul(x.matMul(rxT));
    }
}
