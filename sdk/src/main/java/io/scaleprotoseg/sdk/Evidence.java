package io.scaleprotoseg.sdk;

import java.util.Locale;

/**
 * How much of the decision a {@link Segmentation} keeps. More evidence means more model outputs
 * are computed and copied back; the mask and the class scores are always there.
 *
 * <p>For a ProtoSeg model (no groups) the prototypes are the evidence, so {@link #GROUPS} and
 * {@link #FULL} both keep the prototype activations. A black-box DeepLabv2 model has no
 * evidence; it accepts only {@link #NONE}.
 */
public enum Evidence {
    /** Mask and class scores only. */
    NONE,
    /** Also group activations: {@link PixelExplanation#groups()} without their prototypes. */
    GROUPS,
    /** Also prototype activations: groups with their prototypes, prototype heat maps. */
    FULL;

    /** Parses the command-line spelling ({@code none}, {@code groups}, {@code full}). */
    public static Evidence parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown evidence level '" + text + "': use none, groups or full", e);
        }
    }
}
