package io.scaleprotoseg.graph.network;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One step of a backbone's topology, with the names of its parameters. The trainer runs these
 * ops with DJL; the exporter maps them one to one onto its ONNX graph layers, so the network that
 * is trained and the one that is exported are the same description.
 */
public sealed interface BackboneOp permits BackboneOp.Conv, BackboneOp.MaxPool, BackboneOp.Residual, BackboneOp.Save,
        BackboneOp.UpsampleConcat {

    /**
     * A square convolution, optionally followed by frozen batch norm and ReLU.
     *
     * @param name parameter prefix: {@code name.weight} [out, in, k, k] and, with a bias, {@code name.bias}
     * @param bn batch-norm parameter prefix ({@code bn.weight}, {@code .bias}, {@code .running_mean},
     *     {@code .running_var}), or null
     */
    record Conv(String name, int in, int out, int kernel, int stride, int padding, int dilation, boolean bias, String bn,
            boolean relu) implements BackboneOp {
    }

    /** Max pooling with a square window and PyTorch's ceil mode rule. */
    record MaxPool(int kernel, int stride, int padding, boolean ceilMode) implements BackboneOp {
    }

    /** {@code relu?(body(x) + shortcut(x))}; an empty shortcut is the identity. */
    record Residual(List<BackboneOp> body, List<BackboneOp> shortcut, boolean relu) implements BackboneOp {
        public Residual {
            body = List.copyOf(body);
            shortcut = List.copyOf(shortcut);
        }
    }

    /** Remembers the current feature map under {@code slot} (a U-Net skip connection). */
    record Save(String slot) implements BackboneOp {
    }

    /**
     * Resizes the current feature map bilinearly (half-pixel, no antialiasing) to the size of the
     * map saved under {@code slot} and concatenates the two along the channels (current first): the
     * decoder step of a U-Net.
     */
    record UpsampleConcat(String slot, int savedChannels) implements BackboneOp {
    }

    /** Every convolution in {@code ops}, depth first. */
    static List<Conv> convs(List<BackboneOp> ops) {
        List<Conv> out = new ArrayList<>();
        for (BackboneOp op : ops) {
            if (op instanceof Conv c) {
                out.add(c);
            } else if (op instanceof Residual r) {
                out.addAll(convs(r.body()));
                out.addAll(convs(r.shortcut()));
            }
        }
        return out;
    }

    /** The spatial size after {@code ops} for an input side of {@code n}. */
    static int outputSize(List<BackboneOp> ops, int n) {
        return outputSize(ops, n, new HashMap<>());
    }

    private static int outputSize(List<BackboneOp> ops, int n, Map<String, Integer> saved) {
        int size = n;
        for (BackboneOp op : ops) {
            if (op instanceof Save s) {
                saved.put(s.slot(), size);
            } else if (op instanceof UpsampleConcat u) {
                size = saved.get(u.slot());
            }
            if (op instanceof Conv c) {
                size = (size + 2 * c.padding() - c.dilation() * (c.kernel() - 1) - 1) / c.stride() + 1;
            } else if (op instanceof MaxPool p) {
                size = pooledSize(size, p);
            } else if (op instanceof Residual r) {
                size = outputSize(r.body(), size, saved);
            }
        }
        return size;
    }

    /** PyTorch's max-pool output size (ceil mode drops a window that would start in the right padding). */
    static int pooledSize(int n, MaxPool p) {
        int span = n + 2 * p.padding() - p.kernel();
        int out = (p.ceilMode() ? -Math.floorDiv(-span, p.stride()) : Math.floorDiv(span, p.stride())) + 1;
        if (p.ceilMode() && (out - 1) * p.stride() >= n + p.padding()) {
            out--;
        }
        return out;
    }
}
