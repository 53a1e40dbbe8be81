package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import io.scaleprotoseg.graph.network.BackboneOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Sets the frozen batch-norm statistics of a randomly initialised backbone from data, layer by
 * layer: each convolution's raw output over all calibration crops gives the running mean and
 * (biased) variance of its batch norm, and the output normalised with them feeds the next layer.
 *
 * <p><b>Memory.</b> The crops go through in micro-batches, each held in its own native memory scope,
 * and only the frontier is kept: the current layer's output of every micro-batch (and a residual
 * block's input while its body runs). Each statistic is summed in float64 over the micro-batches,
 * so the result does not depend on their size beyond float64 rounding. Memory is thus about three
 * layers' activations of all crops, where holding the whole forward pass of all crops (as the first
 * version did) needed the activations of every layer: ResNet-101 on 16 crops of 321 pixels passed
 * 24 GB. A memory that does not grow with the number of crops at all would have to recompute each
 * layer's input from the image for every layer (the work of about depth / 2 forward passes).
 *
 * <p>Call with gradient recording off. Not thread-safe (it writes the network's parameters).
 */
final class BatchNormCalibration {
    private final SegmentationNetwork net;
    private final ParameterSet params;

    BatchNormCalibration(SegmentationNetwork net) {
        this.net = net;
        this.params = net.params();
    }

    /** Calibrates every batch norm of the backbone on {@code pixels} (normalised input, [N, 3, H, W]). */
    void run(NDArray normalised, int microBatch) {
        long n = normalised.getShape().get(0);
        List<NDArray> chunks = new ArrayList<>();
        for (long i = 0; i < n; i += microBatch) {
            NDManager own = normalised.getManager().newSubManager();
            NDArray part = normalised.get(new NDIndex(i + ":" + Math.min(n, i + microBatch))).duplicate();
            part.attach(own);
            chunks.add(part);
        }
        List<NDArray> out = ops(net.config().backbone(), chunks, new HashMap<>());
        close(out);
        close(chunks);
    }

    /** Runs {@code ops} over the chunks; returns new chunks (each in its own scope); the inputs stay open. */
    private List<NDArray> ops(List<BackboneOp> ops, List<NDArray> in, Map<String, List<NDArray>> saved) {
        List<NDArray> y = in;
        for (BackboneOp op : ops) {
            List<NDArray> next;
            if (op instanceof BackboneOp.Conv c) {
                next = conv(c, y);
            } else if (op instanceof BackboneOp.MaxPool p) {
                next = map(y, x -> Pool.maxPool2d(x, new Shape(p.kernel(), p.kernel()), new Shape(p.stride(), p.stride()),
                        new Shape(p.padding(), p.padding()), p.ceilMode()));
            } else if (op instanceof BackboneOp.Save s) {
                // a copy the skip connection owns, so the chain below may close its own
                saved.put(s.slot(), map(y, NDArray::duplicate));
                continue;
            } else if (op instanceof BackboneOp.UpsampleConcat u) {
                List<NDArray> skip = saved.remove(u.slot());
                next = new ArrayList<>();
                for (int i = 0; i < y.size(); i++) {
                    NDArray s = skip.get(i);
                    NDArray yi = y.get(i);
                    next.add(scoped(yi, x -> NDArrays.concat(new NDList(
                            BilinearResize.resize(x, (int) s.getShape().get(2), (int) s.getShape().get(3), Double.NaN), s), 1)));
                }
                close(skip);
            } else if (op instanceof BackboneOp.Residual r) {
                List<NDArray> body = ops(r.body(), y, saved);
                List<NDArray> skip = r.shortcut().isEmpty() ? y : ops(r.shortcut(), y, saved);
                next = new ArrayList<>();
                for (int i = 0; i < y.size(); i++) {
                    NDArray s = skip.get(i);
                    next.add(scoped(body.get(i), x -> r.relu() ? Activation.relu(x.add(s)) : x.add(s)));
                }
                close(body);
                if (skip != y) {
                    close(skip);
                }
            } else {
                throw new IllegalStateException("unknown backbone op " + op);
            }
            if (y != in) {
                close(y);
            }
            y = next;
        }
        return y == in ? map(in, NDArray::duplicate) : y;
    }

    /** A convolution; with batch norm, its statistics first, summed in float64 over the micro-batches. */
    private List<NDArray> conv(BackboneOp.Conv c, List<NDArray> in) {
        NDArray w = params.get("backbone." + c.name() + ".weight");
        NDArray b = c.bias() ? params.get("backbone." + c.name() + ".bias") : null;
        Function<NDArray, NDArray> convolve = x -> Conv2d.conv2d(x, w, b, new Shape(c.stride(), c.stride()),
                new Shape(c.padding(), c.padding()), new Shape(c.dilation(), c.dilation()), 1).singletonOrThrow();
        if (c.bn() == null) {
            return map(in, x -> c.relu() ? Activation.relu(convolve.apply(x)) : convolve.apply(x));
        }
        List<NDArray> raw = map(in, convolve);
        if (raw.size() == 1) {
            // one micro-batch: float32 statistics of the whole batch, exactly as the first version computed
            // them, so that runs whose crops fit one micro-batch (the small presets) train as they did before
            try (NDManager t = raw.get(0).getManager().newSubManager()) {
                NDArray r = raw.get(0);
                NDArray perChannel = r.transpose(1, 0, 2, 3).reshape(c.out(), -1);
                perChannel.attach(t);
                NDArray m = perChannel.mean(new int[] {1});
                NDArray v = perChannel.sub(m.reshape(-1, 1)).square().mean(new int[] {1});
                m.attach(t);
                v.attach(t);
                return normalise(c, raw, m.toFloatArray(), v.toFloatArray());
            }
        }
        // several micro-batches: two passes in float64: the mean, then the squared deviations from it (no cancellation, so a
        // channel that is constant over the crops gets variance 0, not rounding noise)
        long count = 0;
        double[] sum = new double[c.out()];
        for (NDArray r : raw) {
            add(sum, channelSums(r, null));
            count += r.getShape().size() / c.out();
        }
        double[] mean64 = new double[c.out()];
        for (int k = 0; k < mean64.length; k++) {
            mean64[k] = sum[k] / count;
        }
        double[] squares = new double[c.out()];
        for (NDArray r : raw) {
            add(squares, channelSums(r, mean64));
        }
        float[] mean = new float[c.out()];
        float[] var = new float[c.out()];
        for (int k = 0; k < mean.length; k++) {
            mean[k] = (float) mean64[k];
            var[k] = (float) (squares[k] / count);
        }
        return normalise(c, raw, mean, var);
    }

    /** Sets the statistics, then the normalised (and rectified) outputs; closes {@code raw}. */
    private List<NDArray> normalise(BackboneOp.Conv c, List<NDArray> raw, float[] mean, float[] var) {
        String p = "backbone." + c.bn();
        params.set(p + ".running_mean", mean);
        params.set(p + ".running_var", var);
        net.forgetBatchNorm(c.bn());
        NDArray[] affine = net.batchNorm(c.bn());
        List<NDArray> out = map(raw, x -> {
            NDArray y = x.mul(affine[0]).add(affine[1]);
            return c.relu() ? Activation.relu(y) : y;
        });
        close(raw);
        return out;
    }

    /** Per channel, in float64: the sum of {@code r}, or with {@code mean} the sum of its squared deviations. */
    private static double[] channelSums(NDArray r, double[] mean) {
        try (NDManager t = r.getManager().newSubManager()) {
            NDArray d = r.toType(DataType.FLOAT64, true);
            d.attach(t);
            if (mean != null) {
                d = d.sub(t.create(mean, new Shape(1, mean.length, 1, 1))).square();
            }
            return d.sum(new int[] {0, 2, 3}).toDoubleArray();
        }
    }

    private static void add(double[] into, double[] v) {
        for (int i = 0; i < into.length; i++) {
            into[i] += v[i];
        }
    }

    /** {@code f} of each chunk, each result in a new scope of its own. */
    private static List<NDArray> map(List<NDArray> in, Function<NDArray, NDArray> f) {
        List<NDArray> out = new ArrayList<>(in.size());
        for (NDArray x : in) {
            out.add(scoped(x, f));
        }
        return out;
    }

    /**
     * {@code f(x)} with its intermediates freed: it runs in a temporary scope, and only its result is
     * kept, in a new scope beside {@code x}'s.
     */
    private static NDArray scoped(NDArray x, Function<NDArray, NDArray> f) {
        NDManager home = x.getManager();
        NDManager keep = home.getParentManager().newSubManager();
        try (NDManager step = home.newSubManager()) {
            x.tempAttach(step);
            NDArray y = f.apply(x);
            y.attach(keep);
            return y;
        }
    }

    private static void close(List<NDArray> chunks) {
        for (NDArray a : chunks) {
            a.getManager().close();
        }
    }
}
