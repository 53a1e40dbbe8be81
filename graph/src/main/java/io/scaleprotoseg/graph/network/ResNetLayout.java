package io.scaleprotoseg.graph.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The DeepLabv2 ResNets of METHOD.md 1.1 with torchvision's parameter names: stem conv 7x7/2 + BN
 * + ReLU, max-pool 3x3/2 padding 1 in ceil mode, four stages; stride 2 on the first block of stage
 * 2 (on the 1x1 reduce conv of a bottleneck); dilation 2 in stage 3 and 4 in stage 4 instead of
 * stride, so the output stride is 8 (321 -> 41, 513 -> 65, 1024x2048 -> 129x257).
 *
 * <p>A width divisor scales every channel count down: depth 18 with divisor 8 is the small dilated
 * CNN the CPU presets use; divisor 1 is the real network.
 */
public final class ResNetLayout {
    private ResNetLayout() {
    }

    /** The depths the project uses. */
    public enum Depth {
        R18(false, 2, 2, 2, 2),
        R34(false, 3, 4, 6, 3),
        R50(true, 3, 4, 6, 3),
        R101(true, 3, 4, 23, 3);

        private final boolean bottleneck;
        private final int[] blocks;

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

        /** Parses 18, 34, 50, 101 (with or without an "r"/"resnet" prefix); also how JSON settings are read. */
        @JsonCreator
        public static Depth parse(String s) {
            String d = s.toLowerCase(Locale.ROOT).replace("resnet", "").replace("r", "");
            for (Depth v : values()) {
                if (v.name().substring(1).equals(d)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown ResNet depth '" + s + "'; use 18, 34, 50 or 101");
        }
    }

    private static final int[] DILATION = {1, 1, 2, 4};
    private static final int[] STRIDE = {1, 2, 1, 1};

    /** Output channels: 2048 (bottleneck) or 512, divided by the divisor. */
    public static int outChannels(Depth depth, int widthDivisor) {
        return (depth.bottleneck() ? 2048 : 512) / widthDivisor;
    }

    /** The layout; parameter names are torchvision keys (no prefix). */
    public static List<BackboneOp> ops(Depth depth, int widthDivisor) {
        return ops(depth, depth.blocks(), widthDivisor);
    }

    /**
     * The layout with {@code blocks} blocks per stage instead of the depth's own (a shortened
     * network of the same block type, as imported checkpoints may hold); names as {@link #ops(Depth, int)}.
     */
    public static List<BackboneOp> ops(Depth depth, int[] blocks, int widthDivisor) {
        if (blocks.length != 4 || java.util.Arrays.stream(blocks).anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("a ResNet has 4 stages of at least one block each, got "
                    + java.util.Arrays.toString(blocks));
        }
        if (widthDivisor < 1 || 64 % widthDivisor != 0) {
            throw new IllegalArgumentException("width divisor must divide 64, got " + widthDivisor);
        }
        List<BackboneOp> out = new ArrayList<>();
        int stem = 64 / widthDivisor;
        out.add(new BackboneOp.Conv("conv1", 3, stem, 7, 2, 3, 1, false, "bn1", true));
        out.add(new BackboneOp.MaxPool(3, 2, 1, true));
        int in = stem;
        for (int s = 0; s < 4; s++) {
            int planes = (64 << s) / widthDivisor;
            int outPlanes = depth.bottleneck() ? planes * 4 : planes;
            for (int b = 0; b < blocks[s]; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                int stride = b == 0 ? STRIDE[s] : 1;
                int d = DILATION[s];
                List<BackboneOp> body = new ArrayList<>();
                if (depth.bottleneck()) {
                    body.add(new BackboneOp.Conv(p + "conv1", in, planes, 1, stride, 0, 1, false, p + "bn1", true));
                    body.add(new BackboneOp.Conv(p + "conv2", planes, planes, 3, 1, d, d, false, p + "bn2", true));
                    body.add(new BackboneOp.Conv(p + "conv3", planes, outPlanes, 1, 1, 0, 1, false, p + "bn3", false));
                } else {
                    body.add(new BackboneOp.Conv(p + "conv1", in, planes, 3, stride, d, d, false, p + "bn1", true));
                    body.add(new BackboneOp.Conv(p + "conv2", planes, planes, 3, 1, d, d, false, p + "bn2", false));
                }
                List<BackboneOp> shortcut = List.of();
                if (b == 0 && (stride != 1 || in != outPlanes)) {
                    shortcut = List.of(new BackboneOp.Conv(p + "downsample.0", in, outPlanes, 1, stride, 0, 1, false,
                            p + "downsample.1", false));
                }
                out.add(new BackboneOp.Residual(body, shortcut, true));
                in = outPlanes;
            }
        }
        return out;
    }
}
