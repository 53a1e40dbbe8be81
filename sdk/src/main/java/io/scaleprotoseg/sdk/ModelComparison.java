package io.scaleprotoseg.sdk;

import io.scaleprotoseg.sdk.internal.Bilinear;
import io.scaleprotoseg.sdk.internal.ModelHead;
import java.io.Serializable;

/**
 * How far a candidate model's results lie from a reference model's on the same images: the
 * comparison of an INT8 model with its FP32 source ({@code scaleprotoseg quantize} checks with it,
 * {@code eval --model M --compare REF} reports it), or of any two models with the same classes.
 *
 * <p><b>What is measured</b>, per image pair of the same size:
 * <ul>
 *   <li><b>mask agreement</b>: share of pixels where both masks give the same class;</li>
 *   <li><b>mIoU and per-class IoU</b> of both against the labels, when labels are given (one
 *       {@link ConfusionMatrix} each, the project's single definition);</li>
 *   <li><b>evidence drift</b> at the class the reference decided at each pixel, read at the pixel's
 *       feature cell as {@link Segmentation#explain(int, int)} reads it: the |delta| of each part's
 *       contribution to that class's logit (last-layer weight x activation; the parts are groups for
 *       ScaleProtoSeg, prototypes for ProtoSeg), max and mean over pixels and parts; and the |delta|
 *       of the log-activation g of each prototype of that class (needs {@link Evidence#FULL} for
 *       ScaleProtoSeg), max and mean over pixels and prototypes;</li>
 *   <li><b>top-3 agreement</b>: share of pixels whose three parts of largest |contribution| to the
 *       decided class come in the same order in both (ties broken by channel).</li>
 * </ul>
 * Drift and top-3 figures are NaN when the results carry no evidence (a black box, {@link Evidence#NONE}).
 *
 * <p><b>Thread safety.</b> Not thread-safe: give each thread (or partition) its own comparison and
 * {@link #add(ModelComparison) merge} them; counts are exact integers and maxima are maxima, so a merged
 * comparison equals a single pass up to the rounding of the sums behind the means. Serializable.
 */
public final class ModelComparison implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Parts compared in the ranking. */
    public static final int TOP = 3;

    private final int classes;
    private final ConfusionMatrix reference;
    private final ConfusionMatrix candidate;
    private long images;
    private long pixels;
    private long agreeing;
    private long labelledImages;
    private double contributionMax;
    private double contributionSum;
    private long contributionCount;
    private double activationMax;
    private double activationSum;
    private long activationCount;
    private long rankedPixels;
    private long rankAgreeing;

    /**
     * An empty comparison.
     *
     * @param classes the number of classes C of both models
     * @param ignoreLabel the label of void pixels, skipped by the IoU figures
     */
    public ModelComparison(int classes, int ignoreLabel) {
        this.classes = classes;
        this.reference = new ConfusionMatrix(classes, ignoreLabel);
        this.candidate = new ConfusionMatrix(classes, ignoreLabel);
    }

    /**
     * Adds one image segmented by both models.
     *
     * @param ref the reference model's result (its mask decides the class whose evidence is compared)
     * @param cand the candidate's result on the same image
     * @param labels the image's labels, row-major, or null when unlabelled
     * @throws IllegalArgumentException when the results differ in size, feature grid, classes or
     *     parts, or the labels in length
     */
    public void add(Segmentation ref, Segmentation cand, int[] labels) {
        if (ref.width() != cand.width() || ref.height() != cand.height() || ref.featureHeight() != cand.featureHeight()
                || ref.featureWidth() != cand.featureWidth()) {
            throw new IllegalArgumentException("the results differ in size: " + ref.width() + "x" + ref.height() + " (features "
                    + ref.featureWidth() + "x" + ref.featureHeight() + ") vs " + cand.width() + "x" + cand.height() + " (features "
                    + cand.featureWidth() + "x" + cand.featureHeight() + "); segment the same image at the same size");
        }
        if (ref.numClasses() != classes || cand.numClasses() != classes) {
            throw new IllegalArgumentException("the results have " + ref.numClasses() + " and " + cand.numClasses()
                    + " classes, this comparison " + classes);
        }
        ModelHead rh = ref.head();
        ModelHead ch = cand.head();
        boolean evidence = rh.kind().hasPrototypes() && ch.kind().hasPrototypes();
        if (evidence && (rh.kind() != ch.kind() || rh.numGroups() != ch.numGroups() || rh.numPrototypes() != ch.numPrototypes())) {
            throw new IllegalArgumentException("the models have different parts (" + rh.kind().id() + ", " + rh.numGroups()
                    + " groups, " + rh.numPrototypes() + " prototypes vs " + ch.kind().id() + ", " + ch.numGroups() + " groups, "
                    + ch.numPrototypes() + " prototypes); their evidence cannot be compared");
        }
        int[] rm = ref.maskArray();
        int[] cm = cand.maskArray();
        if (labels != null) {
            if (labels.length != rm.length) {
                throw new IllegalArgumentException("labels hold " + labels.length + " values for a " + ref.width() + "x"
                        + ref.height() + " image");
            }
            reference.add(labels, rm);
            candidate.add(labels, cm);
            labelledImages++;
        }
        long same = 0;
        for (int i = 0; i < rm.length; i++) {
            if (rm[i] == cm[i]) {
                same++;
            }
        }
        images++;
        pixels += rm.length;
        agreeing += same;
        boolean grouped = rh.kind().hasGroups();
        float[] rParts = grouped ? ref.groupArray() : ref.prototypeArray();
        float[] cParts = grouped ? cand.groupArray() : cand.prototypeArray();
        if (!evidence || rParts == null || cParts == null) {
            return;
        }
        float[] rg = ref.prototypeArray();
        float[] cg = cand.prototypeArray();
        int fh = ref.featureHeight();
        int fw = ref.featureWidth();
        int cells = fh * fw;
        // pixels per (cell, decided class): the evidence of a pixel is that of its cell, so each pair is computed once
        int[] count = new int[Math.multiplyExact(cells, classes)];
        int w = ref.width();
        int h = ref.height();
        int[] colOf = new int[w];
        for (int x = 0; x < w; x++) {
            colOf[x] = Bilinear.cellOf(x, w, fw);
        }
        for (int y = 0; y < h; y++) {
            int row = Bilinear.cellOf(y, h, fh) * fw;
            for (int x = 0; x < w; x++) {
                count[(row + colOf[x]) * classes + rm[y * w + x]]++;
            }
        }
        int cols = rh.lastLayerColumns();
        double[] rc = new double[cols];
        double[] cc = new double[cols];
        int[] rTop = new int[TOP];
        int[] cTop = new int[TOP];
        ModelCard card = rh.card();
        for (int cell = 0; cell < cells; cell++) {
            for (int cls = 0; cls < classes; cls++) {
                int n = count[cell * classes + cls];
                if (n == 0) {
                    continue;
                }
                for (int k = 0; k < cols; k++) {
                    double wr = rh.lastLayer(cls, k);
                    double wc = ch.lastLayer(cls, k);
                    rc[k] = wr == 0 ? 0 : wr * rParts[k * cells + cell];
                    cc[k] = wc == 0 ? 0 : wc * cParts[k * cells + cell];
                    if (wr != 0 || wc != 0) {
                        double d = Math.abs(cc[k] - rc[k]);
                        contributionMax = Math.max(contributionMax, d);
                        contributionSum += d * n;
                        contributionCount += n;
                    }
                }
                int t = top(rc, rTop);
                top(cc, cTop);
                boolean sameOrder = true;
                for (int i = 0; i < t; i++) {
                    sameOrder &= rTop[i] == cTop[i];
                }
                rankedPixels += n;
                if (sameOrder) {
                    rankAgreeing += n;
                }
                if (rg != null && cg != null) {
                    for (int j = 0; j < rh.numPrototypes(); j++) {
                        if (card.prototypes().get(j).classId() == cls) {
                            double d = Math.abs(cg[j * cells + cell] - rg[j * cells + cell]);
                            activationMax = Math.max(activationMax, d);
                            activationSum += d * n;
                            activationCount += n;
                        }
                    }
                }
            }
        }
    }

    /** The channels of the (at most {@link #TOP}) largest |values| that are not 0, largest first; returns how many. */
    private static int top(double[] values, int[] out) {
        int found = 0;
        for (int i = 0; i < TOP; i++) {
            int best = -1;
            for (int k = 0; k < values.length; k++) {
                if (values[k] == 0 || taken(out, found, k)) {
                    continue;
                }
                if (best < 0 || Math.abs(values[k]) > Math.abs(values[best])) {
                    best = k;
                }
            }
            if (best < 0) {
                break;
            }
            out[found++] = best;
        }
        for (int i = found; i < TOP; i++) {
            out[i] = -1;
        }
        return found;
    }

    private static boolean taken(int[] out, int found, int k) {
        for (int i = 0; i < found; i++) {
            if (out[i] == k) {
                return true;
            }
        }
        return false;
    }

    /**
     * Merges another comparison (of other images, with the same classes and ignore label) into this one.
     *
     * @throws IllegalArgumentException when the classes or ignore labels differ
     */
    public void add(ModelComparison other) {
        reference.add(other.reference);
        candidate.add(other.candidate);
        images += other.images;
        pixels += other.pixels;
        agreeing += other.agreeing;
        labelledImages += other.labelledImages;
        contributionMax = Math.max(contributionMax, other.contributionMax);
        contributionSum += other.contributionSum;
        contributionCount += other.contributionCount;
        activationMax = Math.max(activationMax, other.activationMax);
        activationSum += other.activationSum;
        activationCount += other.activationCount;
        rankedPixels += other.rankedPixels;
        rankAgreeing += other.rankAgreeing;
    }

    /** Images compared. */
    public long images() {
        return images;
    }

    /** Pixels compared. */
    public long pixels() {
        return pixels;
    }

    /** Share of pixels where both masks agree; NaN before any image. */
    public double maskAgreement() {
        return pixels == 0 ? Double.NaN : (double) agreeing / pixels;
    }

    /** Whether every image came with labels (then the IoU figures cover all of them). */
    public boolean labelled() {
        return images > 0 && labelledImages == images;
    }

    /** The reference model's confusion matrix against the labels (a copy). */
    public ConfusionMatrix referenceMatrix() {
        return copy(reference);
    }

    /** The candidate's confusion matrix against the labels (a copy). */
    public ConfusionMatrix candidateMatrix() {
        return copy(candidate);
    }

    private static ConfusionMatrix copy(ConfusionMatrix m) {
        ConfusionMatrix c = new ConfusionMatrix(m.classes(), m.ignoreLabel());
        c.add(m);
        return c;
    }

    /** The candidate's mIoU minus the reference's (negative: the candidate is worse); NaN without labels. */
    public double meanIouDelta() {
        return labelledImages == 0 ? Double.NaN : candidate.meanIou() - reference.meanIou();
    }

    /** Per class, the candidate's IoU minus the reference's; NaN where either is undefined. */
    public double[] classIouDelta() {
        double[] r = reference.iou();
        double[] c = candidate.iou();
        double[] d = new double[classes];
        for (int i = 0; i < classes; i++) {
            d[i] = c[i] - r[i];
        }
        return d;
    }

    /** Max |delta| of a part's contribution to the decided class; NaN without evidence. */
    public double contributionMaxDelta() {
        return contributionCount == 0 ? Double.NaN : contributionMax;
    }

    /** Mean |delta| of a part's contribution to the decided class, over pixels and parts; NaN without evidence. */
    public double contributionMeanDelta() {
        return contributionCount == 0 ? Double.NaN : contributionSum / contributionCount;
    }

    /** Max |delta| of the log-activation g of a prototype of the decided class; NaN without prototype activations. */
    public double activationMaxDelta() {
        return activationCount == 0 ? Double.NaN : activationMax;
    }

    /** Mean |delta| of g over pixels and the decided class's prototypes; NaN without prototype activations. */
    public double activationMeanDelta() {
        return activationCount == 0 ? Double.NaN : activationSum / activationCount;
    }

    /** Share of pixels whose top-{@value #TOP} parts come in the same order in both; NaN without evidence. */
    public double top3Agreement() {
        return rankedPixels == 0 ? Double.NaN : (double) rankAgreeing / rankedPixels;
    }

    /** The figures as a model card records them (NaN becomes null). */
    public ModelCard.Check toCheck() {
        boolean l = labelledImages > 0;
        return new ModelCard.Check((int) images, pixels, maskAgreement(), l ? reference.meanIou() : null,
                l ? candidate.meanIou() : null, orNull(contributionMaxDelta()), orNull(contributionMeanDelta()),
                orNull(activationMaxDelta()), orNull(activationMeanDelta()), orNull(top3Agreement()));
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
