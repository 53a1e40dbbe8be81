package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.graph.network.NetworkConfig;

/**
 * Everything a training run is made of besides its data (METHOD.md 2-4): the network, the data
 * pipeline, the phases' step counts, learning rates and loss weights, and the run's bookkeeping.
 * Presets ({@link Presets}) give the paper's values; every field can be overridden.
 *
 * @param preset the preset this came from
 * @param network the network
 * @param crop square crop side for training
 * @param minScale random scale range, low end
 * @param maxScale random scale range, high end
 * @param batchSize images per forward pass
 * @param iterationSize forward passes accumulated per update (paper: batch 2 x 5)
 * @param warmupSteps phase 1a updates
 * @param jointSteps phase 1b updates
 * @param finetuneSteps phase 1d updates (and ProtoSeg's second fine-tune after pruning)
 * @param lrWarmup phase 1a rate (ASPP, prototypes)
 * @param lrBackbone phase 1b rate of backbone convolutions
 * @param lrHead phase 1b rate of ASPP and prototypes (poly decay)
 * @param lrFinetune phase 1d rate (last layer)
 * @param lambdaDiversity weight of Jeffrey's diversity loss
 * @param lambdaL1 weight of the off-class L1 in the fine-tune
 * @param weightDecay classic L2 on backbone and ASPP weights
 * @param pruneK ProtoSeg pruning: nearest patches considered
 * @param pruneThreshold ProtoSeg pruning: prune with fewer than this many of the k of its class
 * @param evalEvery validation every this many updates (0 = only at phase ends)
 * @param checkpointEvery checkpoint every this many updates
 * @param valLimit validation images used (0 = all)
 * @param seed the run seed; every random draw derives from it and the step
 * @param groupWarmupSteps phase 2a updates (group weights only)
 * @param groupJointSteps phase 2b updates (group weights and group last layer, poly)
 * @param lrGroups stage-2 rate
 * @param lambdaEntropy weight of the group-weight entropy loss
 * @param lambdaL1Groups weight of the off-class L1 on the group last layer
 * @param threshold group weights below this are zeroed after stage 2 (no renormalisation)
 */
public record TrainingConfig(
        String preset,
        NetworkConfig network,
        int crop,
        double minScale,
        double maxScale,
        int batchSize,
        int iterationSize,
        int warmupSteps,
        int jointSteps,
        int finetuneSteps,
        double lrWarmup,
        double lrBackbone,
        double lrHead,
        double lrFinetune,
        double lambdaDiversity,
        double lambdaL1,
        double weightDecay,
        int pruneK,
        int pruneThreshold,
        int evalEvery,
        int checkpointEvery,
        int valLimit,
        long seed,
        int groupWarmupSteps,
        int groupJointSteps,
        double lrGroups,
        double lambdaEntropy,
        double lambdaL1Groups,
        double threshold) {
    public TrainingConfig {
        if (crop < 8 || batchSize < 1 || iterationSize < 1 || warmupSteps < 0 || jointSteps < 0 || finetuneSteps < 0
                || checkpointEvery < 1 || !(minScale > 0) || maxScale < minScale) {
            throw new IllegalArgumentException("invalid training configuration: crop " + crop + ", batch " + batchSize
                    + "x" + iterationSize + ", steps " + warmupSteps + "/" + jointSteps + "/" + finetuneSteps
                    + ", checkpoint every " + checkpointEvery + ", scale " + minScale + ".." + maxScale);
        }
        for (double v : new double[] {lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay, lrGroups,
            lambdaEntropy, lambdaL1Groups, threshold}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("learning rates, loss weights, weight decay and threshold must be finite and"
                        + " non-negative; got " + v);
            }
        }
        if (evalEvery < 0 || valLimit < 0 || groupWarmupSteps < 0 || groupJointSteps < 0 || pruneK < 1
                || pruneThreshold > pruneK) {
            throw new IllegalArgumentException("invalid training configuration: eval every " + evalEvery + ", val limit "
                    + valLimit + ", group steps " + groupWarmupSteps + "/" + groupJointSteps + ", prune " + pruneThreshold
                    + " of " + pruneK);
        }
    }

    /**
     * A builder holding the paper's values common to every data set (METHOD.md 3): batch 2 x 5,
     * Adam rates 2.5e-4 (warm-up, ASPP and prototypes), 2.5e-5 (backbone), 1e-5 (fine-tune) and
     * 2.5e-4 (stage 2), l_div 0.25, weight decay 5e-4, pruning 3 of 6, validation every 1,000 and a
     * checkpoint every 500 updates on the whole split, seed 0, threshold 0.05, and the Cityscapes
     * values for the rest (crop 513, scale 0.5..1.5, steps 3k/30k/2k and 2k/30k, l_l1 1e-4 and
     * 1e-3, l_ent 0.05). Presets change what their data set needs, by name.
     */
    public static Builder builder(String preset, NetworkConfig network) {
        return new Builder(new TrainingConfig(preset, network, 513, 0.5, 1.5, 2, 5, 3000, 30000, 2000, 2.5e-4, 2.5e-5,
                2.5e-4, 1e-5, 0.25, 1e-4, 5e-4, 6, 3, 1000, 500, 0, 0, 2000, 30000, 2.5e-4, 0.05, 1e-3, 0.05));
    }

    /**
     * Whether a run of this configuration has a stage 2 (ScaleProtoSeg with group updates): the
     * one rule for where a run ends ({@code RunDirectory#finalCheckpoint}).
     */
    public boolean hasStageTwo() {
        return network.method() == ModelKind.SCALEPROTOSEG && groupWarmupSteps + groupJointSteps > 0;
    }

    /** A copy with other stage-2 settings. */
    public TrainingConfig withStageTwo(int groupWarmup, int groupJoint, double lr, double entropy, double l1, double thr) {
        return toBuilder().groupWarmupSteps(groupWarmup).groupJointSteps(groupJoint).lrGroups(lr).lambdaEntropy(entropy)
                .lambdaL1Groups(l1).threshold(thr).build();
    }

    /** A copy with other step counts. */
    public TrainingConfig withSteps(int warmup, int joint, int finetune) {
        return toBuilder().warmupSteps(warmup).jointSteps(joint).finetuneSteps(finetune).build();
    }

    /** A copy with another network. */
    public TrainingConfig withNetwork(NetworkConfig n) {
        return toBuilder().network(n).build();
    }

    /** A copy with another seed. */
    public TrainingConfig withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    /** A copy with other bookkeeping intervals. */
    public TrainingConfig withIntervals(int eval, int checkpoint, int valImages) {
        return toBuilder().evalEvery(eval).checkpointEvery(checkpoint).valLimit(valImages).build();
    }

    /** A copy with another batch shape and crop. */
    public TrainingConfig withBatch(int crop2, int batch, int iterations) {
        return toBuilder().crop(crop2).batchSize(batch).iterationSize(iterations).build();
    }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Named setters for a copy of a TrainingConfig: presets and the command line change values by
     * name, checked by the compiler; {@link #build()} runs the record's validation. Not thread-safe.
     */
    public static final class Builder {
        private String preset;
        private NetworkConfig network;
        private int crop;
        private double minScale;
        private double maxScale;
        private int batchSize;
        private int iterationSize;
        private int warmupSteps;
        private int jointSteps;
        private int finetuneSteps;
        private double lrWarmup;
        private double lrBackbone;
        private double lrHead;
        private double lrFinetune;
        private double lambdaDiversity;
        private double lambdaL1;
        private double weightDecay;
        private int pruneK;
        private int pruneThreshold;
        private int evalEvery;
        private int checkpointEvery;
        private int valLimit;
        private long seed;
        private int groupWarmupSteps;
        private int groupJointSteps;
        private double lrGroups;
        private double lambdaEntropy;
        private double lambdaL1Groups;
        private double threshold;

        private Builder(TrainingConfig from) {
            preset = from.preset;
            network = from.network;
            crop = from.crop;
            minScale = from.minScale;
            maxScale = from.maxScale;
            batchSize = from.batchSize;
            iterationSize = from.iterationSize;
            warmupSteps = from.warmupSteps;
            jointSteps = from.jointSteps;
            finetuneSteps = from.finetuneSteps;
            lrWarmup = from.lrWarmup;
            lrBackbone = from.lrBackbone;
            lrHead = from.lrHead;
            lrFinetune = from.lrFinetune;
            lambdaDiversity = from.lambdaDiversity;
            lambdaL1 = from.lambdaL1;
            weightDecay = from.weightDecay;
            pruneK = from.pruneK;
            pruneThreshold = from.pruneThreshold;
            evalEvery = from.evalEvery;
            checkpointEvery = from.checkpointEvery;
            valLimit = from.valLimit;
            seed = from.seed;
            groupWarmupSteps = from.groupWarmupSteps;
            groupJointSteps = from.groupJointSteps;
            lrGroups = from.lrGroups;
            lambdaEntropy = from.lambdaEntropy;
            lambdaL1Groups = from.lambdaL1Groups;
            threshold = from.threshold;
        }

        public Builder preset(String value) {
            preset = value;
            return this;
        }

        public Builder network(NetworkConfig value) {
            network = value;
            return this;
        }

        public Builder crop(int value) {
            crop = value;
            return this;
        }

        public Builder minScale(double value) {
            minScale = value;
            return this;
        }

        public Builder maxScale(double value) {
            maxScale = value;
            return this;
        }

        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        public Builder iterationSize(int value) {
            iterationSize = value;
            return this;
        }

        public Builder warmupSteps(int value) {
            warmupSteps = value;
            return this;
        }

        public Builder jointSteps(int value) {
            jointSteps = value;
            return this;
        }

        public Builder finetuneSteps(int value) {
            finetuneSteps = value;
            return this;
        }

        public Builder lrWarmup(double value) {
            lrWarmup = value;
            return this;
        }

        public Builder lrBackbone(double value) {
            lrBackbone = value;
            return this;
        }

        public Builder lrHead(double value) {
            lrHead = value;
            return this;
        }

        public Builder lrFinetune(double value) {
            lrFinetune = value;
            return this;
        }

        public Builder lambdaDiversity(double value) {
            lambdaDiversity = value;
            return this;
        }

        public Builder lambdaL1(double value) {
            lambdaL1 = value;
            return this;
        }

        public Builder weightDecay(double value) {
            weightDecay = value;
            return this;
        }

        public Builder pruneK(int value) {
            pruneK = value;
            return this;
        }

        public Builder pruneThreshold(int value) {
            pruneThreshold = value;
            return this;
        }

        public Builder evalEvery(int value) {
            evalEvery = value;
            return this;
        }

        public Builder checkpointEvery(int value) {
            checkpointEvery = value;
            return this;
        }

        public Builder valLimit(int value) {
            valLimit = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder groupWarmupSteps(int value) {
            groupWarmupSteps = value;
            return this;
        }

        public Builder groupJointSteps(int value) {
            groupJointSteps = value;
            return this;
        }

        public Builder lrGroups(double value) {
            lrGroups = value;
            return this;
        }

        public Builder lambdaEntropy(double value) {
            lambdaEntropy = value;
            return this;
        }

        public Builder lambdaL1Groups(double value) {
            lambdaL1Groups = value;
            return this;
        }

        public Builder threshold(double value) {
            threshold = value;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException when a value is out of range, saying which
         */
        public TrainingConfig build() {
            return new TrainingConfig(preset, network, crop, minScale, maxScale, batchSize, iterationSize, warmupSteps, jointSteps, finetuneSteps, lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay, pruneK, pruneThreshold, evalEvery, checkpointEvery, valLimit, seed, groupWarmupSteps, groupJointSteps, lrGroups, lambdaEntropy, lambdaL1Groups, threshold);
        }
    }
}
