package io.scaleprotoseg.sdk;

import io.scaleprotoseg.sdk.internal.Bilinear;
import java.util.Set;

/**
 * What a model would decide on one image with some prototypes or groups removed, computed exactly
 * from the evidence of a {@link Segmentation} without running the network again
 * ({@link Segmentation#without}).
 *
 * <p><b>How.</b> A ScaleProtoSeg logit is {@code sum_k W[c,k] a_k} and each group activation
 * {@code a_k = exp(sum_j w_kj g_j)} (METHOD.md 1.5): removing prototype j recomputes the activation
 * of every group it belongs to without its term (as if its group weights were 0), removing a group
 * drops its term from every class (as if its last-layer column were 0). A ProtoSeg logit is
 * {@code sum_j W[c,j] g_j}: removing prototype j drops its term. Nothing is renormalised, as with
 * thresholding. The new logits are the result's logits plus the change, so an empty removal gives
 * the result's logits exactly; they equal a run of the edited model up to float rounding.
 *
 * <p><b>Masks.</b> {@link #mask()} upsamples the new logits as the in-graph mask does (bilinear,
 * half-pixel centres, then argmax), in Java; {@link #originalMask()} is the original logits through
 * the same Java path, so that {@link #changedPixels()} counts only what the removal changed (the
 * in-graph mask may differ from either on a handful of exact ties).
 *
 * <p>Immutable and thread-safe; arrays returned are copies.
 */
public final class Counterfactual {
    private final ModelCard card;
    private final FeatureGrid grid;
    private final Set<Integer> prototypes;
    private final Set<GroupRef> groups;
    private final float[] logits;
    private final float[] originalLogits;
    private final int[] mask;
    private volatile int[] originalMask;

    Counterfactual(ModelCard card, FeatureGrid grid, Set<Integer> prototypes, Set<GroupRef> groups, float[] logits,
            float[] originalLogits) {
        this.card = card;
        this.grid = grid;
        this.prototypes = Set.copyOf(prototypes);
        this.groups = Set.copyOf(groups);
        this.logits = logits;
        this.originalLogits = originalLogits;
        this.mask = grid.argmaxUpsampled(logits, card.numClasses());
    }

    /** The removed prototypes' ids. */
    public Set<Integer> removedPrototypes() {
        return prototypes;
    }

    /** The removed groups. */
    public Set<GroupRef> removedGroups() {
        return groups;
    }

    /** The class scores without them, [C, rows, columns] on {@link #featureGrid()} (a copy). */
    public float[] logits() {
        return logits.clone();
    }

    /** The grid the logits are laid out on (the segmentation's). */
    public FeatureGrid featureGrid() {
        return grid;
    }

    /** The mask without them, row-major at the image's size (a copy). */
    public int[] mask() {
        return mask.clone();
    }

    /** The original logits' mask through the same Java upsampling as {@link #mask()} (a copy). */
    public int[] originalMask() {
        return original().clone();
    }

    /** Computed on first use: a caller comparing many counterfactuals with one mask need not pay for it each time. */
    private int[] original() {
        int[] m = originalMask;
        if (m == null) {
            m = grid.argmaxUpsampled(originalLogits, card.numClasses());
            originalMask = m;
        }
        return m;
    }

    /** The class at pixel (x, y) without them. */
    public int classAt(int x, int y) {
        if (x < 0 || y < 0 || x >= grid.imageWidth() || y >= grid.imageHeight()) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") is outside the " + grid.imageWidth() + "x"
                    + grid.imageHeight() + " image");
        }
        return mask[y * grid.imageWidth() + x];
    }

    /** The upsampled class scores at pixel (x, y) without them. */
    public float[] scores(int x, int y) {
        classAt(x, y);
        float[] s = new float[card.numClasses()];
        for (int c = 0; c < s.length; c++) {
            s[c] = (float) Bilinear.sample(logits, c * grid.cells(), grid.rows(), grid.columns(), grid.imageHeight(),
                    grid.imageWidth(), x, y);
        }
        return s;
    }

    /** Pixels whose class the removal changes. */
    public long changedPixels() {
        long n = 0;
        int[] before = original();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != before[i]) {
                n++;
            }
        }
        return n;
    }
}
