package io.scaleprotoseg.graph.network;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.scaleprotoseg.sdk.ModelKind;
import java.util.List;

/**
 * The shape of a network (METHOD.md 1): method, backbone, classes, ASPP dilations, prototypes and
 * groups.
 *
 * @param method scaleprotoseg (concatenated ASPP, one prototype set per scale), protoseg (summed
 *     ASPP, one scale) or deeplabv2 (summed ASPP straight to class scores)
 * @param depth the ResNet depth of the backbone
 * @param widthDivisor backbone channels divided by this (1 = the real network)
 * @param numClasses C
 * @param dilations ASPP dilations, smallest first (6, 12, 18, 24 in the paper)
 * @param prototypesPerClass K: per class and scale (ScaleProtoSeg) or per class (ProtoSeg)
 * @param dim D, channels of each ASPP branch
 * @param groupsPerClass G, groups per class in stage 2 (ScaleProtoSeg)
 * @param mscScales extra input scales fused by max (e.g. 0.5, 0.75); empty for none
 * @param architecture "resnet" (DeepLabv2 ResNet of {@code depth}) or "unet" (the EM setting)
 * @param stageBlocks blocks per ResNet stage when they differ from {@code depth}'s own (a shortened
 *     network, as imported checkpoints may hold), else null; written to JSON only when set
 */
public record NetworkConfig(ModelKind method, ResNetLayout.Depth depth, int widthDivisor, int numClasses, int[] dilations,
        int prototypesPerClass, int dim, int groupsPerClass, List<Double> mscScales, String architecture,
        @JsonInclude(JsonInclude.Include.NON_NULL) int[] stageBlocks) {
    /** The DeepLabv2 ResNet architecture. */
    public static final String RESNET = "resnet";
    /** The U-Net architecture ({@code depth} is then ignored). */
    public static final String UNET = "unet";

    /** A DeepLabv2 ResNet network. */
    public NetworkConfig(ModelKind method, ResNetLayout.Depth depth, int widthDivisor, int numClasses, int[] dilations,
            int prototypesPerClass, int dim, int groupsPerClass, List<Double> mscScales) {
        this(method, depth, widthDivisor, numClasses, dilations, prototypesPerClass, dim, groupsPerClass, mscScales, RESNET, null);
    }

    public NetworkConfig {
        dilations = dilations.clone();
        stageBlocks = stageBlocks == null || depth == null || java.util.Arrays.equals(stageBlocks, depth.blocks()) ? null
                : stageBlocks.clone();
        if (stageBlocks != null && (stageBlocks.length != 4 || java.util.Arrays.stream(stageBlocks).anyMatch(b -> b < 1))) {
            throw new IllegalArgumentException("a ResNet has 4 stages of at least one block each, got "
                    + java.util.Arrays.toString(stageBlocks));
        }
        mscScales = List.copyOf(mscScales);
        architecture = architecture == null ? RESNET : architecture;
        if (!architecture.equals(RESNET) && !architecture.equals(UNET)) {
            throw new IllegalArgumentException("unknown backbone architecture '" + architecture + "'; use resnet or unet");
        }
        if (numClasses < 1 || dilations.length < 1 || prototypesPerClass < 1 || dim < 1 || groupsPerClass < 1) {
            throw new IllegalArgumentException("network sizes must be positive: classes " + numClasses + ", dilations "
                    + dilations.length + ", K " + prototypesPerClass + ", D " + dim + ", G " + groupsPerClass);
        }
        if (widthDivisor < 1 || 64 % widthDivisor != 0) {
            throw new IllegalArgumentException("width divisor must divide 64, got " + widthDivisor);
        }
    }

    /** A DeepLabv2 ResNet network with the given architecture (no custom stage blocks). */
    public NetworkConfig(ModelKind method, ResNetLayout.Depth depth, int widthDivisor, int numClasses, int[] dilations,
            int prototypesPerClass, int dim, int groupsPerClass, List<Double> mscScales, String architecture) {
        this(method, depth, widthDivisor, numClasses, dilations, prototypesPerClass, dim, groupsPerClass, mscScales, architecture, null);
    }

    /**
     * Whether {@code o} describes the same network: every component by value (the record's own
     * {@code equals} compares its arrays by identity), blocks per stage as {@link #blocks()} gives them.
     */
    public boolean sameNetwork(NetworkConfig o) {
        return method == o.method && depth == o.depth && widthDivisor == o.widthDivisor && numClasses == o.numClasses
                && java.util.Arrays.equals(dilations, o.dilations) && java.util.Arrays.equals(blocks(), o.blocks())
                && prototypesPerClass == o.prototypesPerClass && dim == o.dim && groupsPerClass == o.groupsPerClass
                && mscScales.equals(o.mscScales) && architecture.equals(o.architecture);
    }

    /** Blocks per ResNet stage: {@code stageBlocks} when set, else the depth's. */
    public int[] blocks() {
        return stageBlocks != null ? stageBlocks.clone() : depth.blocks();
    }

    /** A short name of the backbone: "ResNet-101", "ResNet-101 with blocks [1, 1, 2, 1]", "U-Net". */
    public String backboneName() {
        if (architecture.equals(UNET)) {
            return "U-Net";
        }
        String name = "ResNet-" + depth.name().substring(1);
        return stageBlocks == null ? name : name + " with blocks " + java.util.Arrays.toString(stageBlocks);
    }

    /** Number of prototype scales S (1 for ProtoSeg). */
    public int numScales() {
        return method == ModelKind.SCALEPROTOSEG ? dilations.length : 1;
    }

    /** Total prototypes P = C * S * K (0 for DeepLabv2). */
    public int numPrototypes() {
        return method.hasPrototypes() ? numClasses * numScales() * prototypesPerClass : 0;
    }

    /** Class of prototype j under the layout j = s * (P / S) + c * K + k (METHOD.md 1.3). */
    public int classOf(int j) {
        return (j % (numClasses * prototypesPerClass)) / prototypesPerClass;
    }

    /** Scale of prototype j. */
    public int scaleOf(int j) {
        return j / (numClasses * prototypesPerClass);
    }

    /** Channels of each ASPP branch: D, or C for the black box. */
    public int branchChannels() {
        return method == ModelKind.DEEPLABV2 ? numClasses : dim;
    }

    /** The backbone topology. */
    public List<BackboneOp> backbone() {
        return architecture.equals(UNET) ? UNetLayout.ops(widthDivisor) : ResNetLayout.ops(depth, blocks(), widthDivisor);
    }

    /** Input pixels per feature cell: 8 for the ResNets, 1 for the U-Net. */
    public int outputStride() {
        return architecture.equals(UNET) ? 1 : 8;
    }

    /** Channels the backbone gives. */
    public int backboneChannels() {
        return architecture.equals(UNET) ? UNetLayout.outChannels(widthDivisor) : ResNetLayout.outChannels(depth, widthDivisor);
    }

    /**
     * A builder holding the paper's network (METHOD.md 1): DeepLabv2 ResNet-101 at full width,
     * ASPP dilations 6, 12, 18, 24, D = 64, K = 3 prototypes per class and scale (10 per class for
     * ProtoSeg), G = 3 groups per class, single-scale input.
     */
    public static Builder builder(ModelKind method, int numClasses) {
        return new Builder(new NetworkConfig(method, ResNetLayout.Depth.R101, 1, numClasses, new int[] {6, 12, 18, 24},
                method == ModelKind.PROTOSEG ? 10 : 3, 64, 3, List.of(), RESNET, null));
    }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Named setters for a copy of a NetworkConfig: presets and the command line change values by
     * name, checked by the compiler; {@link #build()} runs the record's validation. Not thread-safe.
     */
    public static final class Builder {
        private ModelKind method;
        private ResNetLayout.Depth depth;
        private int widthDivisor;
        private int numClasses;
        private int[] dilations;
        private int prototypesPerClass;
        private int dim;
        private int groupsPerClass;
        private List<Double> mscScales;
        private String architecture;
        private int[] stageBlocks;

        private Builder(NetworkConfig from) {
            method = from.method;
            depth = from.depth;
            widthDivisor = from.widthDivisor;
            numClasses = from.numClasses;
            dilations = from.dilations;
            prototypesPerClass = from.prototypesPerClass;
            dim = from.dim;
            groupsPerClass = from.groupsPerClass;
            mscScales = from.mscScales;
            architecture = from.architecture;
            stageBlocks = from.stageBlocks;
        }

        public Builder method(ModelKind value) {
            method = value;
            return this;
        }

        public Builder depth(ResNetLayout.Depth value) {
            depth = value;
            return this;
        }

        public Builder widthDivisor(int value) {
            widthDivisor = value;
            return this;
        }

        public Builder numClasses(int value) {
            numClasses = value;
            return this;
        }

        public Builder dilations(int[] value) {
            dilations = value;
            return this;
        }

        public Builder prototypesPerClass(int value) {
            prototypesPerClass = value;
            return this;
        }

        public Builder dim(int value) {
            dim = value;
            return this;
        }

        public Builder groupsPerClass(int value) {
            groupsPerClass = value;
            return this;
        }

        public Builder mscScales(List<Double> value) {
            mscScales = value;
            return this;
        }

        public Builder architecture(String value) {
            architecture = value;
            return this;
        }

        /** Blocks per stage, or null for the depth's own. */
        public Builder stageBlocks(int[] value) {
            stageBlocks = value;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException when a value is out of range, saying which
         */
        public NetworkConfig build() {
            return new NetworkConfig(method, depth, widthDivisor, numClasses, dilations, prototypesPerClass, dim, groupsPerClass, mscScales, architecture, stageBlocks);
        }
    }
}
