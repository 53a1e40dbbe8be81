package io.scaleprotoseg.graph;

import java.util.List;
import java.util.Objects;

/**
 * One step of a backbone, as the graph writer takes it: enough to describe the DeepLabv2 ResNets
 * (METHOD.md 1.1), small dilated CNNs and their residual blocks.
 */
public sealed interface Layer permits Layer.Conv, Layer.MaxPool, Layer.Relu, Layer.Residual, Layer.Save,
        Layer.UpsampleConcat {

    /** Frozen batch normalisation, folded into the preceding convolution by the writer. */
    record BatchNorm(float[] gamma, float[] beta, float[] mean, float[] var, double eps) {
        public BatchNorm {
            int n = gamma.length;
            if (beta.length != n || mean.length != n || var.length != n) {
                throw new IllegalArgumentException("batch norm parameters differ in length: " + n + ", " + beta.length
                        + ", " + mean.length + ", " + var.length);
            }
            if (!(eps > 0)) {
                throw new IllegalArgumentException("batch norm eps must be positive, got " + eps);
            }
        }

        public int channels() {
            return gamma.length;
        }
    }

    /**
     * A 2-D convolution, square kernel, symmetric padding, optionally followed by frozen batch
     * norm and ReLU.
     *
     * @param weight [out, in, k, k]
     * @param bias [out] or null
     * @param bn batch norm after the convolution, or null
     * @param relu whether a ReLU follows
     */
    record Conv(FloatTensor weight, FloatTensor bias, int stride, int padding, int dilation, BatchNorm bn, boolean relu)
            implements Layer {
        public Conv {
            Objects.requireNonNull(weight, "weight");
            if (weight.rank() != 4 || weight.dim(2) != weight.dim(3)) {
                throw new IllegalArgumentException("conv weight must be [out, in, k, k], got " + weight);
            }
            if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
                throw new IllegalArgumentException("conv bias " + bias + " does not match weight " + weight);
            }
            if (bn != null && bn.channels() != weight.dim(0)) {
                throw new IllegalArgumentException("batch norm has " + bn.channels() + " channels, conv " + weight.dim(0));
            }
            if (stride < 1 || dilation < 1 || padding < 0) {
                throw new IllegalArgumentException("conv stride/dilation must be >= 1 and padding >= 0, got "
                        + stride + "/" + dilation + "/" + padding);
            }
        }

        public int inChannels() {
            return weight.dim(1);
        }

        public int outChannels() {
            return weight.dim(0);
        }

        public int kernel() {
            return weight.dim(2);
        }
    }

    /** Max pooling, square window, symmetric padding; {@code ceilMode} as in PyTorch. */
    record MaxPool(int kernel, int stride, int padding, boolean ceilMode) implements Layer {
        public MaxPool {
            if (kernel < 1 || stride < 1 || padding < 0 || padding * 2 > kernel) {
                throw new IllegalArgumentException("max pool needs kernel, stride >= 1 and 0 <= padding <= kernel/2, got "
                        + kernel + "/" + stride + "/" + padding);
            }
        }
    }

    /** Remembers the current value under {@code slot} (a U-Net skip connection). */
    record Save(String slot) implements Layer {
    }

    /**
     * Resizes the current value bilinearly (half-pixel) to the size of the value saved under
     * {@code slot} and concatenates them along the channels, current first (a U-Net decoder step).
     */
    record UpsampleConcat(String slot) implements Layer {
    }

    /** A ReLU on its own. */
    record Relu() implements Layer {
    }

    /**
     * A residual block: {@code out = body(x) + shortcut(x)} (the shortcut is the identity when
     * empty), then a ReLU when {@code relu}.
     */
    record Residual(List<Layer> body, List<Layer> shortcut, boolean relu) implements Layer {
        public Residual {
            body = List.copyOf(body);
            shortcut = List.copyOf(shortcut);
            if (body.isEmpty()) {
                throw new IllegalArgumentException("a residual block needs a body");
            }
        }
    }
}
