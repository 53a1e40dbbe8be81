package io.scaleprotoseg.exporter.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * The DeepLabv2 ResNet backbones of METHOD.md 1.1 as graph-writer layers, with weights looked up
 * by their torchvision key ({@code conv1.weight}, {@code bn1.running_mean},
 * {@code layer3.7.conv2.weight}, {@code layer1.0.downsample.0.weight}, ...): stem conv 7x7/2 +
 * BN + ReLU, max-pool 3x3/2 with padding 1 in ceil mode, four stages with stride 2 on the first
 * block of stage 2 (on the 1x1 reduce conv of a bottleneck), dilation 2 in stage 3 and 4 in stage
 * 4 instead of stride: output stride 8, so 321 -> 41, 513 -> 65.
 *
 * <p>A width divisor scales every channel count down (1 = the real network); tests use it to run
 * the exact topology cheaply.
 */
public final class DeepLabResNet {
    private DeepLabResNet() {
    }

    /** Supplies a tensor for a torchvision key with the shape the layout expects. */
    @FunctionalInterface
    public interface WeightSource {
        FloatTensor tensor(String key, int... shape);
    }

    /** The depths the project uses. */
    public enum Depth {
        R18(false, 2, 2, 2, 2),
        R34(false, 3, 4, 6, 3),
        R50(true, 3, 4, 6, 3),
        R101(true, 3, 4, 23, 3);

        final boolean bottleneck;
        final int[] blocks;

        Depth(boolean bottleneck, int... blocks) {
            this.bottleneck = bottleneck;
            this.blocks = blocks;
        }

        /** Blocks per stage. */
        public int[] blocks() {
            return blocks.clone();
        }

        /** Whether the stages are made of bottleneck (1x1-3x3-1x1) blocks. */
        public boolean bottleneck() {
            return bottleneck;
        }
    }

    private static final int[] DILATION = {1, 1, 2, 4};
    private static final int[] STRIDE = {1, 2, 1, 1};

    /** Output channels of the backbone (2048 for ResNet-50/101, 512 for 18/34, divided by the divisor). */
    public static int outChannels(Depth depth, int widthDivisor) {
        return (depth.bottleneck ? 2048 : 512) / widthDivisor;
    }

    /** The backbone's layers. */
    public static List<Layer> layers(Depth depth, WeightSource w, int widthDivisor) {
        if (widthDivisor < 1 || 64 % widthDivisor != 0) {
            throw new IllegalArgumentException("width divisor must divide 64, got " + widthDivisor);
        }
        List<Layer> out = new ArrayList<>();
        int stem = 64 / widthDivisor;
        out.add(conv(w, "conv1", "bn1", 3, stem, 7, 2, 3, 1, true));
        out.add(new Layer.MaxPool(3, 2, 1, true));
        int in = stem;
        for (int s = 0; s < 4; s++) {
            int planes = (64 << s) / widthDivisor;
            int outPlanes = depth.bottleneck ? planes * 4 : planes;
            for (int b = 0; b < depth.blocks[s]; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                int stride = b == 0 ? STRIDE[s] : 1;
                int d = DILATION[s];
                List<Layer> body = new ArrayList<>();
                if (depth.bottleneck) {
                    body.add(conv(w, p + "conv1", p + "bn1", in, planes, 1, stride, 0, 1, true));
                    body.add(conv(w, p + "conv2", p + "bn2", planes, planes, 3, 1, d, d, true));
                    body.add(conv(w, p + "conv3", p + "bn3", planes, outPlanes, 1, 1, 0, 1, false));
                } else {
                    body.add(conv(w, p + "conv1", p + "bn1", in, planes, 3, stride, d, d, true));
                    body.add(conv(w, p + "conv2", p + "bn2", planes, planes, 3, 1, d, d, false));
                }
                List<Layer> shortcut = List.of();
                if (b == 0 && (stride != 1 || in != outPlanes)) {
                    shortcut = List.of(conv(w, p + "downsample.0", p + "downsample.1", in, outPlanes, 1, stride, 0, 1, false));
                }
                out.add(new Layer.Residual(body, shortcut, true));
                in = outPlanes;
            }
        }
        return out;
    }

    private static Layer.Conv conv(WeightSource w, String convKey, String bnKey, int in, int out, int k, int stride, int pad,
            int dil, boolean relu) {
        FloatTensor weight = w.tensor(convKey + ".weight", out, in, k, k);
        Layer.BatchNorm bn = new Layer.BatchNorm(
                w.tensor(bnKey + ".weight", out).data(), w.tensor(bnKey + ".bias", out).data(),
                w.tensor(bnKey + ".running_mean", out).data(), w.tensor(bnKey + ".running_var", out).data(), 1e-5);
        return new Layer.Conv(weight, null, stride, pad, dil, bn, relu);
    }
}
