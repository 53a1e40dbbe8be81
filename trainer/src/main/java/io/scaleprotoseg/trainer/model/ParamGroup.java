package io.scaleprotoseg.trainer.model;

/**
 * What a parameter is, for the optimiser (learning rate, weight decay) and for freezing by phase
 * (METHOD.md 3).
 */
public enum ParamGroup {
    /** Backbone convolution weights: trained in the joint phase, with weight decay. */
    BACKBONE(true),
    /** Frozen batch-norm statistics and affine parameters: never trained (METHOD.md 1.1). */
    FROZEN_BN(false),
    /** ASPP convolution weights: trained, with weight decay. */
    ASPP_WEIGHT(true),
    /** ASPP biases: trained, with weight decay (the reference decays them with the weights, METHOD.md 3). */
    ASPP_BIAS(true),
    /** Prototype vectors: no weight decay. */
    PROTOTYPES(false),
    /** Stage-1 last layer (P -> C): no weight decay. */
    LAST_LAYER(false),
    /** Stage-2 group weights (simplex rows). */
    GROUP_WEIGHTS(false),
    /** Stage-2 group last layer (C*G -> C). */
    GROUP_LAST_LAYER(false),
    /** Values kept for reference, never trained nor used by the forward pass (e.g. group weights before thresholding). */
    RECORD(false);

    private final boolean weightDecay;

    ParamGroup(boolean weightDecay) {
        this.weightDecay = weightDecay;
    }

    /** Whether the classic L2 weight decay of METHOD.md 3 applies. */
    public boolean weightDecay() {
        return weightDecay;
    }
}
