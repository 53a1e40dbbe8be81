package io.scaleprotoseg.graph.network;

import java.util.ArrayList;
import java.util.List;

/**
 * A U-Net encoder-decoder (the paper's EM setting, METHOD.md 1.1: the ASPP stacked on the U-Net
 * output): per level two 3x3 convolutions with frozen batch norm and ReLU, max-pool 2x2 between
 * encoder levels; each decoder level resizes bilinearly to its skip connection's size, concatenates
 * it and applies two 3x3 convolutions. Output stride 1. Channels 64, 128, 256, 512 at the four
 * levels and 1024 at the bottom, divided by the width divisor.
 */
public final class UNetLayout {
    /** Encoder levels above the bottom. */
    public static final int LEVELS = 4;

    private UNetLayout() {
    }

    /** Output channels: those of the top level. */
    public static int outChannels(int widthDivisor) {
        return 64 / widthDivisor;
    }

    /** The layout; parameter names enc{i}.conv{1,2}, bottom.conv{1,2}, dec{i}.conv{1,2} (+ .bn). */
    public static List<BackboneOp> ops(int widthDivisor) {
        if (widthDivisor < 1 || 64 % widthDivisor != 0) {
            throw new IllegalArgumentException("width divisor must divide 64, got " + widthDivisor);
        }
        List<BackboneOp> out = new ArrayList<>();
        int in = 3;
        int[] width = new int[LEVELS + 1];
        for (int i = 0; i <= LEVELS; i++) {
            width[i] = (64 << i) / widthDivisor;
        }
        for (int i = 0; i < LEVELS; i++) {
            block(out, "enc" + i, in, width[i]);
            out.add(new BackboneOp.Save("skip" + i));
            out.add(new BackboneOp.MaxPool(2, 2, 0, false));
            in = width[i];
        }
        block(out, "bottom", in, width[LEVELS]);
        in = width[LEVELS];
        for (int i = LEVELS - 1; i >= 0; i--) {
            out.add(new BackboneOp.UpsampleConcat("skip" + i, width[i]));
            block(out, "dec" + i, in + width[i], width[i]);
            in = width[i];
        }
        return out;
    }

    private static void block(List<BackboneOp> out, String name, int in, int channels) {
        out.add(new BackboneOp.Conv(name + ".conv1", in, channels, 3, 1, 1, 1, false, name + ".bn1", true));
        out.add(new BackboneOp.Conv(name + ".conv2", channels, channels, 3, 1, 1, 1, false, name + ".bn2", true));
    }
}
