package io.scaleprotoseg.trainer.phase;

/** The phases of training, in order (METHOD.md 3). */
public enum Phase {
    /** 1a: ASPP and prototypes; backbone and last layer frozen. */
    WARMUP,
    /** 1b: backbone, ASPP and prototypes, poly learning rate; last layer frozen. */
    JOINT,
    /** 1c: prototypes replaced by their nearest training feature vectors. */
    PROJECTION,
    /** 1d: last layer only, CE + off-class L1. */
    FINETUNE,
    /** ProtoSeg only: prune prototypes whose nearest patches are mostly of other classes. */
    PRUNE,
    /** ProtoSeg only: fine-tune the last layer again after pruning. */
    FINETUNE_AFTER_PRUNE,
    /** 2a: group weights only (ScaleProtoSeg); backbone, ASPP and prototypes frozen. */
    GROUP_WARMUP,
    /** 2b: group weights and group last layer, poly learning rate. */
    GROUP_JOINT,
    /** 2c: group weights below the threshold set to 0, no renormalisation. */
    THRESHOLD,
    /** Training is complete. */
    DONE
}
