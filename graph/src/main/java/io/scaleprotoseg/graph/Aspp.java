package io.scaleprotoseg.graph;

import java.util.List;

/**
 * The atrous spatial pyramid pooling head (METHOD.md 1.2): parallel 3x3 convolutions with
 * dilation = padding, with bias, on the backbone output. ScaleProtoSeg concatenates the branches
 * (channel block s is scale s); ProtoSeg and the DeepLabv2 baseline sum them.
 *
 * @param branches the convolutions, smallest dilation first
 * @param concat concatenate (true) or sum (false)
 */
public record Aspp(List<Layer.Conv> branches, boolean concat) {
    public Aspp {
        branches = List.copyOf(branches);
        if (branches.isEmpty()) {
            throw new IllegalArgumentException("ASPP needs at least one branch");
        }
        int in = branches.get(0).inChannels();
        int out = branches.get(0).outChannels();
        for (Layer.Conv b : branches) {
            if (b.inChannels() != in || b.outChannels() != out) {
                throw new IllegalArgumentException("ASPP branches must share in/out channels; got " + b.weight()
                        + " next to [" + out + ", " + in + ", ...]");
            }
            if (b.bn() != null || b.relu() || b.stride() != 1 || b.padding() != b.dilation() * (b.kernel() / 2)) {
                throw new IllegalArgumentException("an ASPP branch is a stride-1 conv with padding = dilation, no BN, no ReLU");
            }
        }
    }

    /** Output channels of one branch (D). */
    public int branchChannels() {
        return branches.get(0).outChannels();
    }

    /** Channels of the head's output: S*D when concatenated, D when summed. */
    public int outChannels() {
        return concat ? branches.size() * branchChannels() : branchChannels();
    }
}
