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

    /** Stage 1 only, with the stage-2 settings of the Cityscapes preset (METHOD.md 3). */
    public TrainingConfig(String preset, NetworkConfig network, int crop, double minScale, double maxScale, int batchSize,
            int iterationSize, int warmupSteps, int jointSteps, int finetuneSteps, double lrWarmup, double lrBackbone,
            double lrHead, double lrFinetune, double lambdaDiversity, double lambdaL1, double weightDecay, int pruneK,
            int pruneThreshold, int evalEvery, int checkpointEvery, int valLimit, long seed) {
        this(preset, network, crop, minScale, maxScale, batchSize, iterationSize, warmupSteps, jointSteps, finetuneSteps,
                lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay, pruneK, pruneThreshold,
                evalEvery, checkpointEvery, valLimit, seed, 2000, 30000, 2.5e-4, 0.05, 1e-3, 0.05);
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
        return new TrainingConfig(preset, network, crop, minScale, maxScale, batchSize, iterationSize, warmupSteps,
                jointSteps, finetuneSteps, lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay,
                pruneK, pruneThreshold, evalEvery, checkpointEvery, valLimit, seed, groupWarmup, groupJoint, lr, entropy, l1, thr);
    }

    /** A copy with other step counts. */
    public TrainingConfig withSteps(int warmup, int joint, int finetune) {
        return new TrainingConfig(preset, network, crop, minScale, maxScale, batchSize, iterationSize, warmup, joint,
                finetune, lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay, pruneK,
                pruneThreshold, evalEvery, checkpointEvery, valLimit, seed, groupWarmupSteps, groupJointSteps, lrGroups,
                lambdaEntropy, lambdaL1Groups, threshold);
    }

    /** A copy with another network. */
    public TrainingConfig withNetwork(NetworkConfig n) {
        return new TrainingConfig(preset, n, crop, minScale, maxScale, batchSize, iterationSize, warmupSteps, jointSteps,
                finetuneSteps, lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay, pruneK,
                pruneThreshold, evalEvery, checkpointEvery, valLimit, seed, groupWarmupSteps, groupJointSteps, lrGroups,
                lambdaEntropy, lambdaL1Groups, threshold);
    }

    /** A copy with another seed. */
    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(preset, network, crop, minScale, maxScale, batchSize, iterationSize, warmupSteps,
                jointSteps, finetuneSteps, lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay,
                pruneK, pruneThreshold, evalEvery, checkpointEvery, valLimit, s, groupWarmupSteps, groupJointSteps, lrGroups,
                lambdaEntropy, lambdaL1Groups, threshold);
    }

    /** A copy with other bookkeeping intervals. */
    public TrainingConfig withIntervals(int eval, int checkpoint, int valImages) {
        return new TrainingConfig(preset, network, crop, minScale, maxScale, batchSize, iterationSize, warmupSteps,
                jointSteps, finetuneSteps, lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay,
                pruneK, pruneThreshold, eval, checkpoint, valImages, seed, groupWarmupSteps, groupJointSteps, lrGroups,
                lambdaEntropy, lambdaL1Groups, threshold);
    }

    /** A copy with another batch shape and crop. */
    public TrainingConfig withBatch(int crop2, int batch, int iterations) {
        return new TrainingConfig(preset, network, crop2, minScale, maxScale, batch, iterations, warmupSteps, jointSteps,
                finetuneSteps, lrWarmup, lrBackbone, lrHead, lrFinetune, lambdaDiversity, lambdaL1, weightDecay, pruneK,
                pruneThreshold, evalEvery, checkpointEvery, valLimit, seed, groupWarmupSteps, groupJointSteps, lrGroups,
                lambdaEntropy, lambdaL1Groups, threshold);
    }
}
