package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward pass of METHOD.md 1.1-1.4 on DJL: normalisation, backbone with frozen batch norm,
 * ASPP (concatenated or summed), sigmoid, scale-restricted squared distances, log-activations and
 * the last layer. Parameters live in a {@link ParameterSet}; this class holds none of its own
 * but the frozen batch-norm affine transforms it derives from them.
 *
 * <p>Memory: every array the forward pass makes is attached to the manager of the input, so a
 * caller that creates each batch in its own sub-manager frees all of a step's intermediates by
 * closing it. Arrays derived from parameters alone (kernels, norms) are attached there explicitly.
 * Not thread-safe.
 */
public final class SegmentationNetwork {
    /** eps of g = log((d + 1) / (d + eps)) (METHOD.md 1.3). */
    public static final float ACTIVATION_EPS = 1e-4f;
    /** ImageNet statistics; the exported graph applies the same. */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};
    /** Stage-2 parameters: group weights [C*G, P] (row c*G + k is group k of class c) and the group last layer [C, C*G]. */
    public static final String GROUP_WEIGHTS = "group_weights";
    public static final String GROUP_LAST_LAYER = "group_last_layer";

    private final NetworkConfig config;
    private final ParameterSet params;
    private PrototypeTable prototypes;
    private final Map<String, NDArray[]> frozenBn = new HashMap<>();

    public SegmentationNetwork(NetworkConfig config, ParameterSet params, PrototypeTable prototypes) {
        // before any convolution of the process: reproducible CPU kernels for narrow layers
        OneDnnIsa.configureFor(config);
        TorchLogLevel.quietWarnings();
        this.config = config;
        this.params = params;
        this.prototypes = prototypes;
    }

    public NetworkConfig config() {
        return config;
    }

    public ParameterSet params() {
        return params;
    }

    public PrototypeTable prototypes() {
        return prototypes;
    }

    /** Replaces the prototype table (after projection removed duplicates). */
    public void setPrototypes(PrototypeTable table) {
        this.prototypes = table;
    }

    /** Forgets the derived batch-norm transforms (call after loading backbone weights). */
    public void refreshFrozenBatchNorm() {
        frozenBn.values().forEach(a -> {
            a[0].close();
            a[1].close();
        });
        frozenBn.clear();
    }

    /**
     * What one forward pass computes.
     *
     * @param features pre-sigmoid ASPP output [B, S*D or D, h, w] (class scores for DeepLabv2)
     * @param z sigmoid features, or null for DeepLabv2
     * @param distances squared distances d [B, P, h, w], or null
     * @param activations g [B, P, h, w], or null
     * @param groups group activations a [B, C*G, h, w] (stage 2), or null
     * @param logits [B, C, h, w]
     * @param scales with multi-scale input: the outputs of each input scale (x1 first) before fusion,
     *     each at its own resolution; empty otherwise
     */
    public record Outputs(NDArray features, NDArray z, NDArray distances, NDArray activations, NDArray groups,
            NDArray logits, List<Outputs> scales) {
    }

    /** Runs the network on RGB in 0..1, [B, 3, H, W]. */
    public Outputs forward(NDArray pixels) {
        NDManager m = pixels.getManager();
        NDArray mean = OwnedTensors.of(m, MEAN, new Shape(1, 3, 1, 1));
        NDArray std = OwnedTensors.of(m, STD, new Shape(1, 3, 1, 1));
        NDArray centred = pixels.sub(mean);
        NDArray x = centred.div(std);
        centred.close();
        NDArray a = trunk(x);
        if (config.mscScales().isEmpty()) {
            return head(a);
        }
        // multi-scale input (METHOD.md 1.2): the trunk on the image at each extra scale, its output
        // upsampled to the x1 size, fused by pixel-wise max before the sigmoid
        Shape full = x.getShape();
        int h1 = (int) a.getShape().get(2);
        int w1 = (int) a.getShape().get(3);
        List<Outputs> perScale = new ArrayList<>();
        perScale.add(head(a));
        NDArray fused = a;
        for (double f : config.mscScales()) {
            if (f == 1.0) {
                continue;
            }
            NDArray xs = BilinearResize.resize(x, (int) Math.floor(full.get(2) * f), (int) Math.floor(full.get(3) * f), f);
            NDArray as = trunk(xs);
            xs.close();
            perScale.add(head(as));
            fused = fused.maximum(BilinearResize.resize(as, h1, w1, Double.NaN));
        }
        Outputs o = head(fused);
        return new Outputs(o.features(), o.z(), o.distances(), o.activations(), o.groups(), o.logits(), perScale);
    }

    /** Backbone and ASPP; the backbone's output is closed once the ASPP has read it. */
    private NDArray trunk(NDArray x) {
        NDArray f = backbone(config.backbone(), x);
        NDArray a = aspp(f);
        f.close();
        return a;
    }

    /** The head on pre-sigmoid ASPP features: sigmoid, distances, g, groups, last layer. */
    private Outputs head(NDArray a) {
        NDManager m = a.getManager();
        if (config.method() == ModelKind.DEEPLABV2) {
            return new Outputs(a, null, null, null, null, a, List.of());
        }
        NDArray z = Activation.sigmoid(a);
        NDArray d = distances(z);
        NDArray g = OwnedTensors.plus(d, 1).div(OwnedTensors.plus(d, ACTIVATION_EPS)).log();
        if (params.contains(GROUP_WEIGHTS)) {
            // stage 2 (METHOD.md 1.5): a = exp(W_groups . g), one 1x1 convolution over all groups
            int rows = (int) params.shape(GROUP_WEIGHTS)[0];
            NDArray gw = local(m, params.get(GROUP_WEIGHTS).reshape(rows, prototypes.size(), 1, 1));
            NDArray groups = Conv2d.conv2d(g, gw).singletonOrThrow().exp();
            NDArray wl = local(m, params.get(GROUP_LAST_LAYER).reshape(config.numClasses(), rows, 1, 1));
            return new Outputs(a, z, d, g, groups, Conv2d.conv2d(groups, wl).singletonOrThrow(), List.of());
        }
        NDArray w = local(m, params.get("last_layer").reshape(config.numClasses(), prototypes.size(), 1, 1));
        NDArray logits = Conv2d.conv2d(g, w).singletonOrThrow();
        return new Outputs(a, z, d, g, null, logits, List.of());
    }

    /**
     * Sets the frozen batch-norm statistics from data: layer by layer, each convolution's output on
     * {@code pixels} gives the running mean and variance of its batch norm (affine left at 1 and 0),
     * and the normalised output feeds the next layer. Used when the backbone starts from random
     * weights: frozen batch norm then holds statistics of the training data, as it would with
     * ImageNet weights, instead of the identity, and the un-normalised random network does not
     * blow up activations and gradients (measured: non-finite backbone gradients within a few
     * hundred updates of the scenes preset without it). The crops go through in micro-batches of at
     * most {@code microBatch}, keeping only the current layer's outputs ({@link BatchNormCalibration}).
     * Call with gradient recording off.
     */
    public void calibrateBatchNorm(NDArray pixels, int microBatch) {
        NDManager m = pixels.getManager();
        try (NDManager t = m.newSubManager()) {
            NDArray x = pixels.sub(OwnedTensors.of(m, MEAN, new Shape(1, 3, 1, 1))).div(OwnedTensors.of(m, STD, new Shape(1, 3, 1, 1)));
            x.attach(t);
            new BatchNormCalibration(this).run(x, Math.max(1, microBatch));
        }
        refreshFrozenBatchNorm();
    }

    /** Forgets the derived transform of one batch norm (its statistics changed). */
    void forgetBatchNorm(String bn) {
        NDArray[] a = frozenBn.remove(bn);
        if (a != null) {
            a[0].close();
            a[1].close();
        }
    }

    /** The frozen transform (scale, shift) of one batch norm. */
    NDArray[] batchNorm(String bn) {
        return frozenBn.computeIfAbsent(bn, this::batchNormAffine);
    }

    /** The backbone features for normalised input {@code x}. */
    NDArray backbone(List<BackboneOp> ops, NDArray x) {
        return run(ops, x, new HashMap<>());
    }

    /**
     * Interprets the backbone ops. Each intermediate array is closed as soon as the next op has
     * consumed it: autograd holds its own reference to what the backward pass needs (a
     * convolution's input, a ReLU's output), and everything else (a convolution's raw output, the
     * batch-norm products, the residual sums) would otherwise stay allocated until the update's
     * memory scope closes, about doubling the activation memory of a step (measured with
     * {@code TrainingRunner}). The input {@code x} and arrays saved for a later op are left open.
     */
    private NDArray run(List<BackboneOp> ops, NDArray x, Map<String, NDArray> saved) {
        NDArray y = x;
        for (BackboneOp op : ops) {
            NDArray next;
            if (op instanceof BackboneOp.Conv c) {
                next = conv(c, y);
            } else if (op instanceof BackboneOp.Save s) {
                saved.put(s.slot(), y);
                continue;
            } else if (op instanceof BackboneOp.UpsampleConcat u) {
                NDArray skip = saved.get(u.slot());
                NDArray up = BilinearResize.resize(y, (int) skip.getShape().get(2), (int) skip.getShape().get(3), Double.NaN);
                next = NDArrays.concat(new NDList(up, skip), 1);
                up.close();
            } else if (op instanceof BackboneOp.MaxPool p) {
                next = Pool.maxPool2d(y, new Shape(p.kernel(), p.kernel()), new Shape(p.stride(), p.stride()),
                        new Shape(p.padding(), p.padding()), p.ceilMode());
            } else if (op instanceof BackboneOp.Residual r) {
                NDArray body = run(r.body(), y, saved);
                NDArray skip = r.shortcut().isEmpty() ? y : run(r.shortcut(), y, saved);
                NDArray sum = body.add(skip);
                body.close();
                if (skip != y) {
                    skip.close();
                }
                if (r.relu()) {
                    next = Activation.relu(sum);
                    sum.close();
                } else {
                    next = sum;
                }
            } else {
                continue;
            }
            release(y, x, saved);
            y = next;
        }
        return y;
    }

    /** Closes {@code a} unless it is the caller's input or saved for a later op. */
    private static void release(NDArray a, NDArray input, Map<String, NDArray> saved) {
        if (a == input) {
            return;
        }
        for (NDArray s : saved.values()) {
            if (s == a) {
                return;
            }
        }
        a.close();
    }

    private NDArray conv(BackboneOp.Conv c, NDArray x) {
        NDArray w = params.get("backbone." + c.name() + ".weight");
        NDArray b = c.bias() ? params.get("backbone." + c.name() + ".bias") : null;
        NDArray y = Conv2d.conv2d(x, w, b, new Shape(c.stride(), c.stride()), new Shape(c.padding(), c.padding()),
                new Shape(c.dilation(), c.dilation()), 1).singletonOrThrow();
        if (c.bn() != null) {
            // in place: the convolution's backward pass needs its input and weight, not its output,
            // and the product's needs only the constant scale, so no copy of the output is kept
            NDArray[] affine = batchNorm(c.bn());
            y.muli(affine[0]).addi(affine[1]);
        }
        if (!c.relu()) {
            return y;
        }
        NDArray r = Activation.relu(y);
        y.close();
        return r;
    }

    /** Frozen batch norm as y * s + t, s = gamma / sqrt(var + eps), t = beta - mean * s (METHOD.md 1.1). */
    private NDArray[] batchNormAffine(String bn) {
        String p = "backbone." + bn;
        float[] gamma = params.floats(p + ".weight");
        float[] beta = params.floats(p + ".bias");
        float[] mean = params.floats(p + ".running_mean");
        float[] var = params.floats(p + ".running_var");
        float[] s = new float[gamma.length];
        float[] t = new float[gamma.length];
        for (int i = 0; i < s.length; i++) {
            double scale = gamma[i] / Math.sqrt(var[i] + 1e-5);
            s[i] = (float) scale;
            t[i] = (float) (beta[i] - mean[i] * scale);
        }
        NDManager pm = params.manager();
        return new NDArray[] {OwnedTensors.of(pm, s, new Shape(1, s.length, 1, 1)), OwnedTensors.of(pm, t, new Shape(1, t.length, 1, 1))};
    }

    /** The ASPP branches, concatenated (ScaleProtoSeg) or summed (ProtoSeg, DeepLabv2). */
    NDArray aspp(NDArray f) {
        NDList branches = new NDList();
        int[] dil = config.dilations();
        for (int s = 0; s < dil.length; s++) {
            branches.add(Conv2d.conv2d(f, params.get("aspp." + s + ".weight"), params.get("aspp." + s + ".bias"),
                    new Shape(1, 1), new Shape(dil[s], dil[s]), new Shape(dil[s], dil[s]), 1).singletonOrThrow());
        }
        if (config.method() == ModelKind.SCALEPROTOSEG) {
            return NDArrays.concat(branches, 1);
        }
        NDArray sum = branches.get(0);
        for (int s = 1; s < branches.size(); s++) {
            sum = sum.add(branches.get(s));
        }
        return sum;
    }

    /**
     * d_j = max(0, sum z_s^2 - 2 z_s . p_j + |p_j|^2) for the scale-s slice z_s of prototype j's
     * scale (METHOD.md 1.3), as a 1x1 convolution per scale; [B, P, h, w].
     */
    public NDArray distances(NDArray z) {
        NDManager m = z.getManager();
        int dim = config.dim();
        NDArray protos = params.get("prototypes");
        NDList perScale = new NDList();
        for (int s = 0; s < config.numScales(); s++) {
            int start = prototypes.start(s);
            int end = prototypes.end(s);
            if (end == start) {
                continue;
            }
            NDArray zs = config.numScales() == 1 ? z : z.get(new NDIndex(":, {}:{}", s * dim, (s + 1) * dim));
            NDArray ps = local(m, protos.get(new NDIndex("{}:{}", start, end)));
            NDArray kernel = local(m, OwnedTensors.times(ps, -2).reshape(end - start, dim, 1, 1));
            NDArray norms = local(m, ps.square().sum(new int[] {1}));
            NDArray cross = Conv2d.conv2d(zs, kernel, norms).singletonOrThrow();
            NDArray zz = zs.square().sum(new int[] {1}, true);
            perScale.add(Activation.relu(cross.add(zz)));
        }
        return perScale.size() == 1 ? perScale.get(0) : NDArrays.concat(perScale, 1);
    }

    /** Attaches a parameter-derived array to the step's manager so that closing the step frees it. */
    private static NDArray local(NDManager m, NDArray a) {
        a.attach(m);
        return a;
    }
}
