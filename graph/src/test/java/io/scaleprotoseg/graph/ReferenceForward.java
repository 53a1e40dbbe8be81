package io.scaleprotoseg.graph;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent plain-Java, double-precision forward pass of an {@link InferenceModel}, written
 * straight from METHOD.md 1.1-1.5 (not from the graph writer): batch norm is applied as its own
 * step (not folded), distances are computed as sum (z - p)^2 (not expanded), groups as
 * exp(sum w g), upsampling bilinear with half-pixel centres, max-pool with PyTorch's ceil-mode
 * rule. Tests compare the ONNX graph run by a runtime against it.
 */
public final class ReferenceForward {
    private ReferenceForward() {
    }

    /** A [C, H, W] map in double precision. */
    public record Map3(double[] data, int channels, int height, int width) {
        public double at(int c, int y, int x) {
            return data[(c * height + y) * width + x];
        }
    }

    /**
     * Everything the model computes for one image.
     *
     * @param logits [C, h, w]
     * @param groups [Ga, h, w] or null
     * @param prototypes g, [Pa, h, w] or null
     * @param scores logits upsampled to [C, H, W]
     * @param mask argmax of scores (lowest class on ties)
     */
    public record Result(Map3 logits, Map3 groups, Map3 prototypes, Map3 scores, int[] mask) {
    }

    /** Runs the model on one image given as RGB in 0..1, [3, H, W]. */
    public static Result run(InferenceModel model, float[] chw, int height, int width) {
        ModelCard card = model.card();
        double[] x = new double[chw.length];
        ModelCard.Normalization norm = card.normalization();
        int plane = height * width;
        for (int c = 0; c < 3; c++) {
            double m = norm.mean().get(c);
            double s = norm.std().get(c);
            for (int i = 0; i < plane; i++) {
                x[c * plane + i] = (chw[c * plane + i] - m) / s;
            }
        }
        Map3 input = new Map3(x, 3, height, width);
        Map3 feat = trunk(model, input);
        for (double f : card.mscScales()) {
            if (f == 1.0) {
                continue;
            }
            Map3 small = resize(input, (int) Math.floor(height * f), (int) Math.floor(width * f), f);
            Map3 out = trunk(model, small);
            Map3 up = resize(out, feat.height(), feat.width(), Double.NaN);
            double[] fused = feat.data().clone();
            for (int i = 0; i < fused.length; i++) {
                fused[i] = Math.max(fused[i], up.data()[i]);
            }
            feat = new Map3(fused, feat.channels(), feat.height(), feat.width());
        }
        int h = feat.height();
        int w = feat.width();
        int cells = h * w;
        Map3 logits;
        Map3 groups = null;
        Map3 protos = null;
        if (card.method() == ModelKind.DEEPLABV2) {
            logits = feat;
        } else {
            PrototypeHead head = model.head();
            int pa = head.numPrototypes();
            int dim = head.dimension();
            double[] g = new double[pa * cells];
            for (int j = 0; j < pa; j++) {
                int s = model.aspp().concat() ? head.scales()[j] : 0;
                for (int cell = 0; cell < cells; cell++) {
                    double d = 0;
                    for (int i = 0; i < dim; i++) {
                        double z = sigmoid(feat.data()[(s * dim + i) * cells + cell]);
                        double diff = z - head.prototypes().at(j * dim + i);
                        d += diff * diff;
                    }
                    g[j * cells + cell] = Math.log((d + 1) / (d + 1e-4));
                }
            }
            protos = new Map3(g, pa, h, w);
            double[] lastIn = g;
            int cols = pa;
            if (head.grouped()) {
                int ga = head.groupWeights().dim(0);
                double[] a = new double[ga * cells];
                for (int k = 0; k < ga; k++) {
                    for (int cell = 0; cell < cells; cell++) {
                        double sum = 0;
                        for (int j = 0; j < pa; j++) {
                            sum += head.groupWeights().at(k * pa + j) * g[j * cells + cell];
                        }
                        a[k * cells + cell] = Math.exp(sum);
                    }
                }
                groups = new Map3(a, ga, h, w);
                lastIn = a;
                cols = ga;
            }
            int c = card.numClasses();
            double[] l = new double[c * cells];
            for (int cls = 0; cls < c; cls++) {
                for (int cell = 0; cell < cells; cell++) {
                    double sum = 0;
                    for (int j = 0; j < cols; j++) {
                        sum += head.lastLayer().at(cls * cols + j) * lastIn[j * cells + cell];
                    }
                    l[cls * cells + cell] = sum;
                }
            }
            logits = new Map3(l, c, h, w);
        }
        Map3 scores = resize(logits, height, width, Double.NaN);
        int[] mask = new int[plane];
        for (int i = 0; i < plane; i++) {
            int best = 0;
            for (int c = 1; c < scores.channels(); c++) {
                if (scores.data()[c * plane + i] > scores.data()[best * plane + i]) {
                    best = c;
                }
            }
            mask[i] = best;
        }
        return new Result(logits, groups, protos, scores, mask);
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static Map3 trunk(InferenceModel model, Map3 x) {
        Map3 y = layers(model.backbone(), x, new HashMap<>());
        Aspp aspp = model.aspp();
        Map3 out = null;
        int b = 0;
        for (Layer.Conv branch : aspp.branches()) {
            Map3 o = conv(branch, y);
            if (out == null) {
                out = aspp.concat() ? new Map3(new double[aspp.outChannels() * o.height() * o.width()], aspp.outChannels(),
                        o.height(), o.width()) : o;
                if (!aspp.concat()) {
                    b++;
                    continue;
                }
            }
            if (aspp.concat()) {
                System.arraycopy(o.data(), 0, out.data(), b * o.data().length, o.data().length);
            } else {
                for (int i = 0; i < o.data().length; i++) {
                    out.data()[i] += o.data()[i];
                }
            }
            b++;
        }
        return out;
    }

    private static Map3 layers(List<Layer> layers, Map3 x, Map<String, Map3> saved) {
        Map3 y = x;
        for (Layer l : layers) {
            if (l instanceof Layer.Conv c) {
                y = conv(c, y);
            } else if (l instanceof Layer.MaxPool p) {
                y = maxPool(p, y);
            } else if (l instanceof Layer.Relu) {
                y = relu(y);
            } else if (l instanceof Layer.Save s) {
                saved.put(s.slot(), y);
            } else if (l instanceof Layer.UpsampleConcat u) {
                Map3 skip = saved.get(u.slot());
                Map3 up = resize(y, skip.height(), skip.width(), Double.NaN);
                double[] both = new double[up.data().length + skip.data().length];
                System.arraycopy(up.data(), 0, both, 0, up.data().length);
                System.arraycopy(skip.data(), 0, both, up.data().length, skip.data().length);
                y = new Map3(both, up.channels() + skip.channels(), skip.height(), skip.width());
            } else if (l instanceof Layer.Residual r) {
                Map3 body = layers(r.body(), y, saved);
                Map3 skip = r.shortcut().isEmpty() ? y : layers(r.shortcut(), y, saved);
                double[] sum = new double[body.data().length];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] = body.data()[i] + skip.data()[i];
                }
                y = new Map3(sum, body.channels(), body.height(), body.width());
                if (r.relu()) {
                    y = relu(y);
                }
            }
        }
        return y;
    }

    private static Map3 relu(Map3 x) {
        double[] d = x.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.max(0, d[i]);
        }
        return new Map3(d, x.channels(), x.height(), x.width());
    }

    /** Direct convolution, then batch norm as (v - mean) / sqrt(var + eps) * gamma + beta, then ReLU. */
    static Map3 conv(Layer.Conv c, Map3 x) {
        int k = c.kernel();
        int s = c.stride();
        int p = c.padding();
        int dil = c.dilation();
        int oh = (x.height() + 2 * p - dil * (k - 1) - 1) / s + 1;
        int ow = (x.width() + 2 * p - dil * (k - 1) - 1) / s + 1;
        int in = c.inChannels();
        int out = c.outChannels();
        double[] y = new double[out * oh * ow];
        float[] w = c.weight().data();
        for (int o = 0; o < out; o++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double sum = c.bias() == null ? 0 : c.bias().at(o);
                    for (int i = 0; i < in; i++) {
                        for (int ky = 0; ky < k; ky++) {
                            int iy = oy * s - p + ky * dil;
                            if (iy < 0 || iy >= x.height()) {
                                continue;
                            }
                            for (int kx = 0; kx < k; kx++) {
                                int ix = ox * s - p + kx * dil;
                                if (ix < 0 || ix >= x.width()) {
                                    continue;
                                }
                                sum += w[((o * in + i) * k + ky) * k + kx] * x.at(i, iy, ix);
                            }
                        }
                    }
                    if (c.bn() != null) {
                        Layer.BatchNorm bn = c.bn();
                        sum = (sum - bn.mean()[o]) / Math.sqrt(bn.var()[o] + bn.eps()) * bn.gamma()[o] + bn.beta()[o];
                    }
                    if (c.relu()) {
                        sum = Math.max(0, sum);
                    }
                    y[(o * oh + oy) * ow + ox] = sum;
                }
            }
        }
        return new Map3(y, out, oh, ow);
    }

    /** Max pooling with PyTorch's output-size rule (ceil mode drops a window that starts in the right padding). */
    static Map3 maxPool(Layer.MaxPool p, Map3 x) {
        int oh = pooledSize(x.height(), p);
        int ow = pooledSize(x.width(), p);
        double[] y = new double[x.channels() * oh * ow];
        for (int c = 0; c < x.channels(); c++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < p.kernel(); ky++) {
                        int iy = oy * p.stride() - p.padding() + ky;
                        for (int kx = 0; kx < p.kernel(); kx++) {
                            int ix = ox * p.stride() - p.padding() + kx;
                            if (iy >= 0 && iy < x.height() && ix >= 0 && ix < x.width()) {
                                best = Math.max(best, x.at(c, iy, ix));
                            }
                        }
                    }
                    y[(c * oh + oy) * ow + ox] = best;
                }
            }
        }
        return new Map3(y, x.channels(), oh, ow);
    }

    static int pooledSize(int n, Layer.MaxPool p) {
        int span = n + 2 * p.padding() - p.kernel();
        int out = (p.ceilMode() ? -Math.floorDiv(-span, p.stride()) : Math.floorDiv(span, p.stride())) + 1;
        if (p.ceilMode() && (out - 1) * p.stride() >= n + p.padding()) {
            out--;
        }
        return out;
    }

    /**
     * Bilinear resize with half-pixel centres, clamped at the edges. {@code factor} is the scale
     * the coordinates map with (NaN: the size ratio), as for ONNX Resize with scales or sizes.
     */
    public static Map3 resize(Map3 x, int oh, int ow, double factor) {
        double sy = Double.isNaN(factor) ? (double) x.height() / oh : 1 / factor;
        double sx = Double.isNaN(factor) ? (double) x.width() / ow : 1 / factor;
        double[] y = new double[x.channels() * oh * ow];
        for (int c = 0; c < x.channels(); c++) {
            for (int oy = 0; oy < oh; oy++) {
                double fy = Math.min(Math.max((oy + 0.5) * sy - 0.5, 0), x.height() - 1);
                int y0 = (int) fy;
                int y1 = Math.min(y0 + 1, x.height() - 1);
                double ly = fy - y0;
                for (int ox = 0; ox < ow; ox++) {
                    double fx = Math.min(Math.max((ox + 0.5) * sx - 0.5, 0), x.width() - 1);
                    int x0 = (int) fx;
                    int x1 = Math.min(x0 + 1, x.width() - 1);
                    double lx = fx - x0;
                    double v = (1 - ly) * ((1 - lx) * x.at(c, y0, x0) + lx * x.at(c, y0, x1))
                            + ly * ((1 - lx) * x.at(c, y1, x0) + lx * x.at(c, y1, x1));
                    y[(c * oh + oy) * ow + ox] = v;
                }
            }
        }
        return new Map3(y, x.channels(), oh, ow);
    }
}
