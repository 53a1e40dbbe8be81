package io.scaleprotoseg.sdk;

/**
 * Limits on what a model file may make the SDK read and hold, checked before the file is parsed
 * (its size) and while its card is read (the card's size, JSON nesting and counts). The defaults fit
 * every real model (a ResNet-101 Cityscapes model is 180 MB with a card of a few MB; ADE20K has 150
 * classes and about 1,800 prototypes) with a wide margin; a host serving models from untrusted sources
 * can lower them ({@link Segmenter.Builder#limits(ModelLimits)}). Immutable.
 *
 * @param maxModelBytes largest model file
 * @param maxCardBytes largest model card (JSON, with its prototype patch images)
 * @param maxCardNesting deepest JSON nesting in the card
 * @param maxClasses most classes
 * @param maxPrototypes most prototypes
 * @param maxGroups most groups
 */
public record ModelLimits(long maxModelBytes, int maxCardBytes, int maxCardNesting, int maxClasses, int maxPrototypes,
        int maxGroups) {
    /** 2 GB files (the protobuf limit), 256 MB cards, nesting 64, 10,000 classes, 1,000,000 prototypes and groups. */
    public static final ModelLimits DEFAULT = new ModelLimits(Integer.MAX_VALUE, 256 << 20, 64, 10_000, 1_000_000, 1_000_000);

    public ModelLimits {
        if (maxModelBytes < 1 || maxCardBytes < 1 || maxCardNesting < 4 || maxClasses < 1 || maxPrototypes < 1 || maxGroups < 1) {
            throw new IllegalArgumentException("model limits must be positive (card nesting at least 4): " + this);
        }
    }
}
