package io.scaleprotoseg.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.scaleprotoseg.sdk.internal.Bilinear;
import io.scaleprotoseg.sdk.internal.HeatPalette;
import io.scaleprotoseg.sdk.internal.ImageInput;
import io.scaleprotoseg.sdk.internal.Json;
import io.scaleprotoseg.sdk.internal.ModelHead;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The result of segmenting one image: the mask, class scores and, depending on the
 * {@link Evidence} level, the group and prototype activations that explain them.
 *
 * <p>Everything is in the coordinates of the original image ({@link #width()} x {@link #height()}),
 * row-major. Feature-resolution arrays are upsampled bilinearly (half-pixel centres, the
 * convention of the in-graph mask) when a per-pixel map is asked for; they are also available as
 * they are, on the {@link FeatureGrid} ({@link #logits()}, {@link #groupActivations()},
 * {@link #prototypeActivations()}), for statistics of one's own.
 *
 * <p><b>Tiled results</b> ({@link InputSizing#tiled}, {@link #tiles()} above 1) are stitched on one
 * grid over the whole image: the mask, {@link #logits()} and the scores are the window-blended logits
 * of the overlapping tiles, while the evidence, {@link #explain}, {@link #without} and audits use each
 * cell's deciding tile's own logits and activations, so that their identities hold exactly;
 * {@link InputSizing#tiled} gives the rules.
 *
 * <p>Immutable and thread-safe; it holds plain Java arrays only and outlives the
 * {@link Segmenter} that made it. Accessors that return arrays return copies.
 */
public final class Segmentation {
    private final ModelHead head;
    private final Evidence evidence;
    private final int width;
    private final int height;
    private final int networkWidth;
    private final int networkHeight;
    private final int featureHeight;
    private final int featureWidth;
    private final int[] mask;
    /** The logits the evidence explains (a tiled result: each cell's deciding tile's). */
    private final float[] logits;
    /** The logits of the mask and the scores: {@link #logits}, or a tiled result's blended ones. */
    private final float[] maskLogits;
    private final int tiles;
    private final float[] groups;
    private final float[] prototypes;
    private final Backend backend;
    private final long inferenceNanos;
    private final long totalNanos;

    Segmentation(ModelHead head, Evidence evidence, int width, int height, int networkWidth, int networkHeight,
            int featureHeight, int featureWidth, int[] mask, float[] logits, float[] groups, float[] prototypes,
            Backend backend, long inferenceNanos, long totalNanos) {
        this(head, evidence, width, height, networkWidth, networkHeight, featureHeight, featureWidth, mask, logits, logits,
                1, groups, prototypes, backend, inferenceNanos, totalNanos);
    }

    Segmentation(ModelHead head, Evidence evidence, int width, int height, int networkWidth, int networkHeight,
            int featureHeight, int featureWidth, int[] mask, float[] maskLogits, float[] logits, int tiles, float[] groups,
            float[] prototypes, Backend backend, long inferenceNanos, long totalNanos) {
        this.maskLogits = maskLogits;
        this.tiles = tiles;
        this.head = head;
        this.evidence = evidence;
        this.width = width;
        this.height = height;
        this.networkWidth = networkWidth;
        this.networkHeight = networkHeight;
        this.featureHeight = featureHeight;
        this.featureWidth = featureWidth;
        this.mask = mask;
        this.logits = logits;
        this.groups = groups;
        this.prototypes = prototypes;
        this.backend = backend;
        this.inferenceNanos = inferenceNanos;
        this.totalNanos = totalNanos;
    }

    /** The head (package access: ModelComparison reads its last layer). */
    ModelHead head() {
        return head;
    }

    /** The mask itself, not a copy (package access). */
    int[] maskArray() {
        return mask;
    }

    /** The group activations themselves or null (package access). */
    float[] groupArray() {
        return groups;
    }

    /** The prototype activations themselves or null (package access). */
    float[] prototypeArray() {
        return prototypes;
    }

    /** Width of the original image. */
    public int width() {
        return width;
    }

    /** Height of the original image. */
    public int height() {
        return height;
    }

    /** Width of the image the network saw (differs from {@link #width()} under a resizing policy). */
    public int networkWidth() {
        return networkWidth;
    }

    /** Height of the image the network saw. */
    public int networkHeight() {
        return networkHeight;
    }

    /** Rows of the feature grid. */
    public int featureHeight() {
        return featureHeight;
    }

    /** Columns of the feature grid. */
    public int featureWidth() {
        return featureWidth;
    }

    /** The model card of the model that produced this result. */
    public ModelCard card() {
        return head.card();
    }

    /** The evidence level this result was computed with. */
    public Evidence evidence() {
        return evidence;
    }

    /** The backend that ran the model. */
    public Backend backend() {
        return backend;
    }

    /** Time spent in the backend's run (native inference and output copy), in nanoseconds. */
    public long inferenceNanos() {
        return inferenceNanos;
    }

    /** Time of the whole {@code segment} call (conversion, inference, mask), in nanoseconds. */
    public long totalNanos() {
        return totalNanos;
    }

    public int numClasses() {
        return head.numClasses();
    }

    /** The class of pixel (x, y). */
    public int classAt(int x, int y) {
        checkPixel(x, y);
        return mask[y * width + x];
    }

    /** The class mask, row-major, {@code width * height} class ids (a copy). */
    public int[] mask() {
        return mask.clone();
    }

    /** The feature grid the network decided on, with its mapping to this image's pixels. */
    public FeatureGrid featureGrid() {
        return new FeatureGrid(featureHeight, featureWidth, width, height);
    }

    /**
     * The class scores at feature resolution, [C, featureHeight, featureWidth] on
     * {@link #featureGrid()} (a copy): the logits before upsampling.
     */
    public float[] logits() {
        return maskLogits.clone();
    }

    /**
     * How many tiles the image ran as: 1 unless the segmenter tiles ({@link InputSizing#tiled}) and
     * the image is larger than a tile. {@link #networkWidth()} and {@link #networkHeight()} are then
     * the tile's.
     */
    public int tiles() {
        return tiles;
    }

    /**
     * The group activations a at feature resolution, [Ga, featureHeight, featureWidth] on
     * {@link #featureGrid()} (a copy); channel k is the card's {@code groups().get(k)}.
     *
     * @throws IllegalStateException when the result carries none (a model without groups, or
     *     {@link Evidence#NONE})
     */
    public float[] groupActivations() {
        if (!head.kind().hasGroups() || groups == null) {
            throw new IllegalStateException("this result has no group activations (model " + head.kind().id()
                    + ", evidence " + evidence + "); use a ScaleProtoSeg model with Evidence.GROUPS or FULL");
        }
        return groups.clone();
    }

    /**
     * The prototype log-activations g at feature resolution, [Pa, featureHeight, featureWidth] on
     * {@link #featureGrid()} (a copy); channel j is the card's {@code prototypes().get(j)}.
     *
     * @throws IllegalStateException when the result carries none (a black box, or a ScaleProtoSeg
     *     result below {@link Evidence#FULL})
     */
    public float[] prototypeActivations() {
        if (prototypes == null) {
            throw new IllegalStateException("this result has no prototype activations (model " + head.kind().id()
                    + ", evidence " + evidence + "); build the Segmenter with Evidence.FULL");
        }
        return prototypes.clone();
    }

    /** The upsampled score of class {@code cls} at pixel (x, y). */
    public float score(int cls, int x, int y) {
        checkClass(cls);
        checkPixel(x, y);
        return (float) Bilinear.sample(maskLogits, cls * cells(), featureHeight, featureWidth, height, width, x, y);
    }

    /** The upsampled scores of every class at pixel (x, y). */
    public float[] scores(int x, int y) {
        checkPixel(x, y);
        float[] s = new float[numClasses()];
        for (int c = 0; c < s.length; c++) {
            s[c] = (float) Bilinear.sample(maskLogits, c * cells(), featureHeight, featureWidth, height, width, x, y);
        }
        return s;
    }

    /** The score map of class {@code cls}, upsampled to the image, row-major. */
    public float[] scoreMap(int cls) {
        checkClass(cls);
        return Bilinear.resize(maskLogits, cls * cells(), featureHeight, featureWidth, height, width);
    }

    /** Pixels per class (index = class id). */
    public long[] classAreas() {
        long[] areas = new long[numClasses()];
        for (int c : mask) {
            areas[c]++;
        }
        return areas;
    }

    /** Explains the mask's class at pixel (x, y). */
    public PixelExplanation explain(int x, int y) {
        return explain(x, y, classAt(x, y));
    }

    /**
     * Explains the score of class {@code cls} at pixel (x, y) (any class, not only the winner).
     *
     * @throws IllegalStateException when the result carries no evidence (built with
     *     {@link Evidence#NONE}, or a black-box model)
     */
    public PixelExplanation explain(int x, int y, int cls) {
        checkPixel(x, y);
        checkClass(cls);
        requireEvidence("explain");
        int row = Bilinear.cellOf(y, height, featureHeight);
        int col = Bilinear.cellOf(x, width, featureWidth);
        int cell = row * featureWidth + col;
        double logit = logits[cls * cells() + cell];
        double pixelScore = Bilinear.sample(maskLogits, cls * cells(), featureHeight, featureWidth, height, width, x, y);
        List<GroupEvidence> groupList = new ArrayList<>();
        List<PrototypeEvidence> protoList = new ArrayList<>();
        float[] scratch = logits.clone();
        double[] base = marginAt(x, y, cls, new Removal(new boolean[0], new boolean[0], false, new int[0]), scratch);
        if (head.kind().hasGroups()) {
            for (int k = 0; k < head.numGroups(); k++) {
                double w = head.lastLayer(cls, k);
                if (w == 0) {
                    continue;
                }
                double a = groups[k * cells() + cell];
                ModelCard.Group g = head.card().groups().get(k);
                List<PrototypeEvidence> members = new ArrayList<>();
                if (prototypes != null) {
                    int[] ch = head.memberChannels(k);
                    float[] mw = head.memberWeights(k);
                    for (int m = 0; m < ch.length; m++) {
                        double[] without = marginAt(x, y, cls, single(ch[m], -1), scratch);
                        members.add(prototypeEvidence(ch[m], mw[m], cell, base[0] - without[0], without[1] != base[1]));
                    }
                    members.sort(BY_PROTOTYPE_CONTRIBUTION);
                }
                double[] without = marginAt(x, y, cls, single(-1, k), scratch);
                groupList.add(new GroupEvidence(g.classId(), g.index(), k, w, a, w * a, members, base[0] - without[0],
                        without[1] != base[1]));
            }
            groupList.sort(Comparator.comparingDouble((GroupEvidence e) -> -Math.abs(e.contribution())));
        } else {
            for (int j = 0; j < head.numPrototypes(); j++) {
                double w = head.lastLayer(cls, j);
                if (w != 0) {
                    double[] without = marginAt(x, y, cls, single(j, -1), scratch);
                    protoList.add(prototypeEvidence(j, w, cell, base[0] - without[0], without[1] != base[1]));
                }
            }
            protoList.sort(BY_PROTOTYPE_CONTRIBUTION);
        }
        return new PixelExplanation(x, y, cls, head.card().className(cls), row, col, logit, pixelScore, groupList,
                protoList);
    }

    /**
     * What the model would decide with these prototypes and groups removed, computed from this
     * result's evidence without running the network ({@link Counterfactual} gives the rule).
     *
     * @param prototypeIds ids of prototypes to remove (the card's ids); empty for none
     * @param groups groups to remove (ScaleProtoSeg only); empty for none
     * @throws IllegalArgumentException for an id or group the model does not have, or groups of a
     *     model without groups
     * @throws IllegalStateException for a black box, or when the result lacks the evidence needed:
     *     removing prototypes needs their activations ({@link Evidence#FULL}; ProtoSeg: any level
     *     with evidence), removing groups needs group activations
     */
    public Counterfactual without(Set<Integer> prototypeIds, Set<GroupRef> groups) {
        Removal r = removal(prototypeIds, groups);
        return new Counterfactual(head.card(), featureGrid(), prototypeIds, groups, logitsWithout(r, null), logits);
    }

    /**
     * The logits with {@code r} removed ([C, cells], a new array); the change of every class at
     * every cell also goes to {@code changes} ({@code [cell * C + class]}) when it is not null.
     */
    private float[] logitsWithout(Removal r, float[] changes) {
        float[] out = new float[logits.length];
        logitsWithout(r, out, changes, new double[numClasses()]);
        return out;
    }

    /** As {@link #logitsWithout(Removal, float[])} into {@code out}, with {@code d} (C values) as scratch. */
    private void logitsWithout(Removal r, float[] out, float[] changes, double[] d) {
        System.arraycopy(logits, 0, out, 0, logits.length);
        if (changes != null) {
            Arrays.fill(changes, 0, logits.length, 0f);
        }
        int c = numClasses();
        int cells = cells();
        for (int cell = 0; cell < cells; cell++) {
            if (delta(cell, r, d)) {
                for (int k = 0; k < c; k++) {
                    out[k * cells + cell] = (float) (logits[k * cells + cell] + d[k]);
                    if (changes != null) {
                        changes[cell * c + k] = (float) d[k];
                    }
                }
            }
        }
    }

    /** The channel of prototype {@code id}, or -1 (for {@link PartAudit}). */
    int prototypeChannel(int id) {
        return head.prototypeChannel(id);
    }

    /**
     * For {@link PartAudit}: adds to {@code into[c]}, cell by cell, the part's contribution at each
     * cell times {@code cellClass[cell * C + c]} (the pixels of class c nearest to it). A group's
     * contribution to class c is its last-layer weight to c times its activation; a ProtoSeg
     * prototype's likewise with g; a ScaleProtoSeg prototype's is {@code shareWeight * g} (its
     * weights summed over the groups it belongs to) whatever the class.
     */
    void addContributions(int prototypeId, GroupRef group, double shareWeight, long[] cellClass, double[] into) {
        int c = numClasses();
        int cells = cells();
        float[] activation;
        int offset;
        double[] factor = new double[c];
        boolean classFree = false;
        if (group != null) {
            int k = head.groupChannel(group.classId(), group.index());
            if (k < 0) {
                return;
            }
            activation = groups;
            offset = k * cells;
            for (int cls = 0; cls < c; cls++) {
                factor[cls] = head.lastLayer(cls, k);
            }
        } else {
            int j = head.prototypeChannel(prototypeId);
            activation = prototypes;
            offset = j * cells;
            classFree = head.kind().hasGroups();
            for (int cls = 0; cls < c && !classFree; cls++) {
                factor[cls] = head.lastLayer(cls, j);
            }
        }
        for (int cell = 0; cell < cells; cell++) {
            double a = activation[offset + cell];
            double same = shareWeight * a;
            for (int cls = 0; cls < c; cls++) {
                long n = cellClass[cell * c + cls];
                if (n > 0) {
                    into[cls] += n * (classFree ? same : factor[cls] * a);
                }
            }
        }
    }

    /**
     * For {@link PartAudit}: the number n of pixels whose class changes when one part is removed;
     * their indices and new classes are the first n of {@code scratch.changedPixels} and {@code
     * scratch.newClasses}.
     *
     * <p>A pixel of class b reads the 2 x 2 cells of its bilinear support (its "quad"), so its
     * score of any class changes by a value between that class's smallest and largest change over
     * those four cells. It can only change class if its margin (from {@link Bilinear#marginsResized},
     * in {@code index}) is at most the largest rise of any other class minus the smallest change of
     * b over the quad. Only those pixels, a prefix of each (quad, class) run of {@code index}, are
     * evaluated, with the same float formula as the full argmax of {@link #without}, so the result
     * equals comparing that argmax with the pixel's class everywhere.
     */
    int changedWithout(int prototypeId, GroupRef group, PixelIndex index, AuditScratch scratch) {
        Removal r = group == null ? removal(Set.of(prototypeId), Set.of()) : removal(Set.of(), Set.of(group));
        int c = numClasses();
        int cells = cells();
        scratch.fit(logits.length, c, width * height);
        float[] delta = scratch.delta;
        float[] after = scratch.after;
        logitsWithout(r, after, delta, scratch.d);
        int[] changedPixels = scratch.changedPixels;
        int[] newClasses = scratch.newClasses;
        int count = 0;
        if (c > 1) {
            float[] most = scratch.most;
            float[] least = scratch.least;
            for (int quad = 0; quad < cells; quad++) {
                if (index.runStart[quad * c] == index.runStart[(quad + 1) * c]) {
                    continue;
                }
                int y0 = quad / featureWidth;
                int x0 = quad % featureWidth;
                int r0 = y0 * featureWidth;
                int r1 = Math.min(y0 + 1, featureHeight - 1) * featureWidth;
                int x1 = Math.min(x0 + 1, featureWidth - 1);
                float largestChange = quadChanges(delta, c, r0 + x0, r0 + x1, r1 + x0, r1 + x1, most, least);
                int top = 0;
                for (int k = 1; k < c; k++) {
                    if (most[k] > most[top]) {
                        top = k;
                    }
                }
                float second = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    if (k != top) {
                        second = Math.max(second, most[k]);
                    }
                }
                // slack for the float rounding of the recomputed scores: relative to the logits and to the changes
                float slack = index.slack + 1e-5f * largestChange;
                for (int b = 0; b < c; b++) {
                    float bound = (b == top ? second : most[top]) - least[b];
                    float limit = bound + Math.abs(bound) * 1e-4f + slack;
                    count = changedInRun(index, quad * c + b, b, limit, after, c, cells, r0, r1, x0, x1, changedPixels,
                            newClasses, count);
                }
            }
        }
        return count;
    }

    /**
     * The pixels of run {@code run} (class {@code b}) with margins up to {@code limit} whose class
     * in {@code after} is not b, appended at {@code count} to {@code changedPixels} and {@code
     * newClasses}; returns the new count. (A method of its own: the audit's innermost loop, which
     * the JIT then compiles early.)
     */
    private static int changedInRun(PixelIndex index, int run, int b, float limit, float[] after, int c, int cells, int r0,
            int r1, int x0, int x1, int[] changedPixels, int[] newClasses, int count) {
        int end = index.runStart[run + 1];
        for (int q = index.runStart[run]; q < end && index.margins[q] <= limit; q++) {
            int now = Bilinear.argmaxAt(after, c, cells, r0, r1, x0, x1, index.fx[q], index.fy[q]);
            if (now != b) {
                changedPixels[count] = index.pixels[q];
                newClasses[count++] = now;
            }
        }
        return count;
    }

    /**
     * The working arrays of {@link #changedWithout} for one thread, reused from part to part (an
     * audit calls it for every part of every image): the changed pixels and their new classes are
     * read from {@code changedPixels} and {@code newClasses} after the call.
     */
    static final class AuditScratch {
        float[] delta = new float[0];
        float[] after = new float[0];
        double[] d = new double[0];
        float[] most = new float[0];
        float[] least = new float[0];
        int[] changedPixels = new int[0];
        int[] newClasses = new int[0];

        void fit(int logits, int classes, int pixels) {
            if (changedPixels.length < pixels) {
                changedPixels = new int[pixels];
                newClasses = new int[pixels];
            }
            if (delta.length < logits) {
                delta = new float[logits];
                after = new float[logits];
            }
            if (d.length != classes) {
                d = new double[classes];
                most = new float[classes];
                least = new float[classes];
            }
        }
    }

    /**
     * Per class, the largest ({@code most}) and smallest ({@code least}) change over the four
     * cells {@code a, b, d, e} ({@code delta} is [cell * C + class]); returns the largest |change|.
     */
    private static float quadChanges(float[] delta, int c, int a, int b, int d, int e, float[] most, float[] least) {
        float largest = 0;
        for (int k = 0; k < c; k++) {
            float va = delta[a * c + k];
            float vb = delta[b * c + k];
            float vd = delta[d * c + k];
            float ve = delta[e * c + k];
            float hi = Math.max(Math.max(va, vb), Math.max(vd, ve));
            float lo = Math.min(Math.min(va, vb), Math.min(vd, ve));
            most[k] = hi;
            least[k] = lo;
            largest = Math.max(largest, Math.max(Math.abs(hi), Math.abs(lo)));
        }
        return largest;
    }

    /**
     * For {@link PartAudit}: the pixels grouped by their bilinear support (the quad of cells whose
     * top-left cell is {@code quad}) and, within a quad, by class, each run sorted by margin,
     * smallest first (CSR: run {@code quad * C + class} is {@code pixels[runStart[r] .. runStart[r + 1]]},
     * their margins in {@code margins} and their interpolation weights in {@code fx}, {@code fy}),
     * so that the pixels within a bound are a prefix of each run. Its arrays are reused from image
     * to image (an audit builds one per image; fresh arrays of an image's size each time cost more
     * than filling them).
     */
    static final class PixelIndex {
        int[] runStart = new int[0];
        int[] pixels = new int[0];
        float[] margins = new float[0];
        float[] fx = new float[0];
        float[] fy = new float[0];
        /** Slack for the float rounding of recomputed scores: relative to the largest |logit|. */
        float slack;
        // working arrays of the build
        private int[] run = new int[0];
        private float[] pixelFx = new float[0];
        private float[] pixelFy = new float[0];
        private int[] fill = new int[0];
        private long[] keyed = new long[0];

        private void fit(int n, int runs) {
            if (pixels.length < n) {
                pixels = new int[n];
                margins = new float[n];
                fx = new float[n];
                fy = new float[n];
                run = new int[n];
                pixelFx = new float[n];
                pixelFy = new float[n];
                keyed = new long[n];
            }
            if (runStart.length < runs + 1) {
                runStart = new int[runs + 1];
                fill = new int[runs];
            } else {
                Arrays.fill(runStart, 0, runs + 1, 0);
            }
        }
    }

    /**
     * The {@link PixelIndex} of this result for the given classes and margins (all >= 0) of its
     * pixels, built in {@code into}'s arrays.
     */
    PixelIndex pixelIndex(int[] baseClass, float[] baseMargin, PixelIndex into) {
        int c = numClasses();
        int n = width * height;
        int runs = cells() * c;
        into.fit(n, runs);
        Bilinear.Axis ya = Bilinear.axis(featureHeight, height);
        Bilinear.Axis xa = Bilinear.axis(featureWidth, width);
        int[] run = into.run;
        float[] pixelFx = into.pixelFx;
        float[] pixelFy = into.pixelFy;
        int[] runStart = into.runStart;
        for (int y = 0, p = 0; y < height; y++) {
            for (int x = 0; x < width; x++, p++) {
                run[p] = (ya.lo[y] * featureWidth + xa.lo[x]) * c + baseClass[p];
                runStart[run[p] + 1]++;
                pixelFx[p] = xa.frac[x];
                pixelFy[p] = ya.frac[y];
            }
        }
        for (int r = 0; r < runs; r++) {
            runStart[r + 1] += runStart[r];
        }
        int[] fill = into.fill;
        System.arraycopy(runStart, 0, fill, 0, runs);
        // margin bits over pixel: non-negative floats order as their bits, so one long sort per run orders by margin
        long[] keyed = into.keyed;
        for (int p = 0; p < n; p++) {
            keyed[fill[run[p]]++] = ((long) Float.floatToIntBits(baseMargin[p]) << 32) | p;
        }
        for (int r = 0; r < runs; r++) {
            if (runStart[r + 1] - runStart[r] > 1) {
                Arrays.sort(keyed, runStart[r], runStart[r + 1]);
            }
        }
        for (int q = 0; q < n; q++) {
            int p = (int) keyed[q];
            into.pixels[q] = p;
            into.margins[q] = Float.intBitsToFloat((int) (keyed[q] >>> 32));
            into.fx[q] = pixelFx[p];
            into.fy[q] = pixelFy[p];
        }
        float maxAbs = 0;
        for (float v : logits) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        into.slack = 1e-5f * maxAbs + 1e-6f;
        return into;
    }

    /** For {@link PartAudit}: the nearest feature cell of every pixel (row-major cell index) into {@code out}. */
    void pixelCells(int[] out) {
        int[] cols = new int[width];
        for (int x = 0; x < width; x++) {
            cols[x] = Bilinear.cellOf(x, width, featureWidth);
        }
        for (int y = 0; y < height; y++) {
            int row = Bilinear.cellOf(y, height, featureHeight) * featureWidth;
            for (int x = 0; x < width; x++) {
                out[y * width + x] = row + cols[x];
            }
        }
    }

    /**
     * For {@link PartAudit}: the class at every pixel through the SDK's upsampling into {@code
     * classOut}, and its margin into {@code margin} ({@code second} is scratch; all of at least the
     * image's pixels).
     */
    void margins(int[] classOut, float[] margin, float[] second) {
        Bilinear.marginsResized(logits, numClasses(), featureHeight, featureWidth, height, width, classOut, margin, second);
    }

    /**
     * A removal in channels: prototype channels and group channels; {@code touched} lists, in
     * increasing order, the group channels whose activation it changes (removed, or with a removed
     * member), so that a cell's change visits only those.
     */
    private record Removal(boolean[] prototypes, boolean[] groups, boolean any, int[] touched) {
    }

    private Removal newRemoval(boolean[] p, boolean[] g, boolean any) {
        int[] touched = new int[g.length];
        int n = 0;
        for (int k = 0; k < g.length; k++) {
            boolean t = g[k];
            for (int j : head.memberChannels(k)) {
                t |= p[j];
            }
            if (t) {
                touched[n++] = k;
            }
        }
        return new Removal(p, g, any, Arrays.copyOf(touched, n));
    }

    private Removal removal(Set<Integer> prototypeIds, Set<GroupRef> groupRefs) {
        if (!head.kind().hasPrototypes()) {
            throw new IllegalStateException("a " + head.kind().id() + " model has no prototypes or groups to remove");
        }
        boolean[] p = new boolean[head.numPrototypes()];
        boolean[] g = new boolean[head.numGroups()];
        for (int id : prototypeIds) {
            int j = head.prototypeChannel(id);
            if (j < 0) {
                throw new IllegalArgumentException("prototype " + id + " is not active in this model; its card lists the "
                        + "active prototypes");
            }
            p[j] = true;
        }
        for (GroupRef ref : groupRefs) {
            if (!head.kind().hasGroups()) {
                throw new IllegalArgumentException("a " + head.kind().id() + " model has no groups; remove prototypes instead");
            }
            int k = head.groupChannel(ref.classId(), ref.index());
            if (k < 0) {
                throw new IllegalArgumentException("group " + ref + " (class " + ref.classId() + ", index " + ref.index()
                        + ") is not active in this model; its card lists the active groups");
            }
            g[k] = true;
        }
        if (!prototypeIds.isEmpty() && prototypes == null) {
            throw new IllegalStateException("removing prototypes needs their activations; this result has none (evidence "
                    + evidence + "): build the Segmenter with Evidence.FULL");
        }
        if (!groupRefs.isEmpty() && groups == null) {
            throw new IllegalStateException("removing groups needs the group activations; this result has none (evidence "
                    + evidence + ")");
        }
        return newRemoval(p, g, !prototypeIds.isEmpty() || !groupRefs.isEmpty());
    }

    /**
     * The change of every class logit at {@code cell} when {@code r} is removed, into {@code out};
     * false (and {@code out} untouched) when nothing changes there.
     */
    private boolean delta(int cell, Removal r, double[] out) {
        if (!r.any()) {
            return false;
        }
        int c = numClasses();
        Arrays.fill(out, 0);
        if (head.kind().hasGroups()) {
            for (int k : r.touched()) {
                double a = groups[k * cells() + cell];
                double after;
                if (r.groups()[k]) {
                    after = 0;
                } else {
                    int[] ch = head.memberChannels(k);
                    // the activation recomputed from the members left, as the edited graph would
                    float[] w = head.memberWeights(k);
                    double log = 0;
                    for (int m = 0; m < ch.length; m++) {
                        if (!r.prototypes()[ch[m]]) {
                            log += w[m] * (double) prototypes[ch[m] * cells() + cell];
                        }
                    }
                    after = Math.exp(log);
                }
                for (int cls = 0; cls < c; cls++) {
                    out[cls] += head.lastLayer(cls, k) * (after - a);
                }
            }
        } else {
            for (int j = 0; j < head.numPrototypes(); j++) {
                if (r.prototypes()[j]) {
                    double g = prototypes[j * cells() + cell];
                    for (int cls = 0; cls < c; cls++) {
                        out[cls] -= head.lastLayer(cls, j) * g;
                    }
                }
            }
        }
        return true;
    }

    /**
     * The margin of class {@code cls} at pixel (x, y) (its upsampled score minus the best other
     * class's) and the pixel's class, with {@code r} removed; {@code {margin, class}}. {@code scratch}
     * is a copy of the logits; it is changed around the pixel and restored before returning.
     */
    private double[] marginAt(int x, int y, int cls, Removal r, float[] scratch) {
        // the pixel's score reads at most the 2 x 2 cells around it: change the 3 x 3 block around its nearest cell
        int row = Bilinear.cellOf(y, height, featureHeight);
        int col = Bilinear.cellOf(x, width, featureWidth);
        int i0 = Math.max(0, row - 1);
        int i1 = Math.min(featureHeight - 1, row + 1);
        int j0 = Math.max(0, col - 1);
        int j1 = Math.min(featureWidth - 1, col + 1);
        if (r.any()) {
            double[] d = new double[numClasses()];
            for (int i = i0; i <= i1; i++) {
                for (int j = j0; j <= j1; j++) {
                    int cell = i * featureWidth + j;
                    delta(cell, r, d);
                    for (int k = 0; k < d.length; k++) {
                        scratch[k * cells() + cell] = (float) (logits[k * cells() + cell] + d[k]);
                    }
                }
            }
        }
        double own = 0;
        double best = Double.NEGATIVE_INFINITY;
        int arg = 0;
        double bestAll = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < numClasses(); k++) {
            double v = Bilinear.sample(scratch, k * cells(), featureHeight, featureWidth, height, width, x, y);
            if (k == cls) {
                own = v;
            } else if (v > best) {
                best = v;
            }
            if (v > bestAll) {
                bestAll = v;
                arg = k;
            }
        }
        for (int i = i0; i <= i1; i++) {
            for (int j = j0; j <= j1; j++) {
                int cell = i * featureWidth + j;
                for (int k = 0; k < numClasses(); k++) {
                    scratch[k * cells() + cell] = logits[k * cells() + cell];
                }
            }
        }
        return new double[] {numClasses() == 1 ? 0 : own - best, arg};
    }

    /** Removal of one prototype channel or one group channel alone. */
    private Removal single(int prototypeChannel, int groupChannel) {
        boolean[] p = new boolean[head.numPrototypes()];
        boolean[] g = new boolean[head.numGroups()];
        if (prototypeChannel >= 0) {
            p[prototypeChannel] = true;
        }
        if (groupChannel >= 0) {
            g[groupChannel] = true;
        }
        return newRemoval(p, g, true);
    }

    private static final Comparator<PrototypeEvidence> BY_PROTOTYPE_CONTRIBUTION =
            Comparator.comparingDouble((PrototypeEvidence e) -> -Math.abs(e.contribution()));

    private PrototypeEvidence prototypeEvidence(int channel, double weight, int cell, double margin, boolean decisive) {
        ModelCard.Prototype p = head.card().prototypes().get(channel);
        double g = prototypes[channel * cells() + cell];
        return new PrototypeEvidence(p.id(), channel, p.classId(), p.scale(), weight, g, weight * g, margin, decisive, p);
    }

    /**
     * The activation map of group {@code index} of class {@code cls}, upsampled to the image.
     *
     * @throws IllegalArgumentException when that group is not active in the model
     * @throws IllegalStateException when the result carries no group activations
     */
    public float[] groupMap(int cls, int index) {
        checkClass(cls);
        if (!head.kind().hasGroups() || groups == null) {
            throw new IllegalStateException("this result has no group activations (model "
                    + head.kind().id() + ", evidence " + evidence + "); use a ScaleProtoSeg model with Evidence.GROUPS or FULL");
        }
        int k = head.groupChannel(cls, index);
        if (k < 0) {
            throw new IllegalArgumentException("group " + index + " of class " + cls + " (" + head.card().className(cls)
                    + ") is not active in this model; active groups are listed in the model card");
        }
        return Bilinear.resize(groups, k * cells(), featureHeight, featureWidth, height, width);
    }

    /**
     * The log-activation map g of prototype {@code id}, upsampled to the image.
     *
     * @throws IllegalArgumentException when the prototype is not active in the model
     * @throws IllegalStateException when the result carries no prototype activations
     */
    public float[] prototypeMap(int id) {
        if (prototypes == null) {
            throw new IllegalStateException("this result has no prototype activations (model " + head.kind().id()
                    + ", evidence " + evidence + "); build the Segmenter with Evidence.FULL");
        }
        int j = head.prototypeChannel(id);
        if (j < 0) {
            throw new IllegalArgumentException("prototype " + id + " is not active in this model");
        }
        return Bilinear.resize(prototypes, j * cells(), featureHeight, featureWidth, height, width);
    }

    /** The mask painted with the card's class colours. */
    public BufferedImage colorMask() {
        int[] colors = classColors();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                row[x] = colors[mask[y * width + x]];
            }
            out.setRGB(0, y, width, 1, row, 0, width);
        }
        return out;
    }

    /**
     * The image with the class colours blended over it.
     *
     * @param base the original image (same size as this result)
     * @param alpha opacity of the colours, 0..1
     */
    public BufferedImage colorOverlay(BufferedImage base, double alpha) {
        checkBase(base);
        int[] colors = classColors();
        int[] m = mask;
        return blend(base, alpha, i -> colors[m[i]]);
    }

    /**
     * A heat map coloured from dark to bright and blended over {@code base}; the map is scaled
     * between its own minimum and maximum. The map is row-major at the base's size: the image's
     * (from {@link #groupMap} or {@link #prototypeMap}), or any other, for example a display size
     * through {@link FeatureGrid#upsample} on a grid of the feature cells over that size.
     */
    public BufferedImage heatMapOverlay(BufferedImage base, float[] map, double alpha) {
        if (map.length != (long) base.getWidth() * base.getHeight()) {
            throw new IllegalArgumentException("heat map has " + map.length + " values, the base image "
                    + base.getWidth() + "x" + base.getHeight() + " has " + (long) base.getWidth() * base.getHeight());
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : map) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float lo = min;
        float range = max > min ? max - min : 1f;
        return blend(base, alpha, i -> HeatPalette.rgb((map[i] - lo) / range));
    }

    private interface PixelColor {
        int rgb(int index);
    }

    private static BufferedImage blend(BufferedImage base, double alpha, PixelColor color) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must lie in 0..1, got " + alpha);
        }
        int width = base.getWidth();
        int height = base.getHeight();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        // the new image's own pixel array, written directly (what setRGB would store, without its per-pixel colour model)
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        int[] src = new int[width];
        for (int y = 0; y < height; y++) {
            ImageInput.rgbRow(base, y, src);
            int rowStart = y * width;
            for (int x = 0; x < width; x++) {
                int c = color.rgb(rowStart + x);
                int s = src[x];
                int r = (int) Math.round(((s >> 16) & 0xff) * (1 - alpha) + ((c >> 16) & 0xff) * alpha);
                int g = (int) Math.round(((s >> 8) & 0xff) * (1 - alpha) + ((c >> 8) & 0xff) * alpha);
                int b = (int) Math.round((s & 0xff) * (1 - alpha) + (c & 0xff) * alpha);
                dst[rowStart + x] = (r << 16) | (g << 8) | b;
            }
        }
        return out;
    }

    /** A summary of one class present in the mask. */
    public record ClassSummary(int id, String name, long pixels, double fraction, List<GroupSummary> topGroups,
            List<PrototypeSummary> topPrototypes) {
    }

    /** A group's mean contribution to a class over the class's pixels. */
    public record GroupSummary(int classId, int index, double meanContribution) {
    }

    /** A prototype's mean contribution over a class's pixels (see {@link #summary(int)}). */
    public record PrototypeSummary(int id, int classId, int scale, double meanContribution) {
    }

    /** What {@link #toJson(int)} writes. */
    public record Summary(int width, int height, int networkWidth, int networkHeight, String model, String backend,
            double inferenceMs, double totalMs, String evidence, List<ClassSummary> classes) {
    }

    /**
     * Per class present in the mask: its area and its strongest evidence, averaged over the
     * feature cells of its pixels (each pixel counted at its nearest cell). For a ScaleProtoSeg
     * model, a group's contribution is last-layer weight x activation and a prototype's is its
     * share {@code w * g} of the log-activations of the class's own groups; for ProtoSeg, a
     * prototype's is last-layer weight x g. Without evidence the top lists are empty.
     *
     * @param topK how many groups and prototypes to keep per class
     */
    public Summary summary(int topK) {
        long[] areas = classAreas();
        // per class, its pixels per feature cell (a class's array made at its first pixel)
        int[][] cellCounts = new int[numClasses()][];
        int[] colCell = new int[width];
        for (int x = 0; x < width; x++) {
            colCell[x] = Bilinear.cellOf(x, width, featureWidth);
        }
        for (int y = 0; y < height; y++) {
            int rowStart = Bilinear.cellOf(y, height, featureHeight) * featureWidth;
            for (int x = 0; x < width; x++) {
                int cls = mask[y * width + x];
                int[] counts = cellCounts[cls];
                if (counts == null) {
                    counts = new int[cells()];
                    cellCounts[cls] = counts;
                }
                counts[rowStart + colCell[x]]++;
            }
        }
        List<ClassSummary> classes = new ArrayList<>();
        long total = (long) width * height;
        for (int cls = 0; cls < numClasses(); cls++) {
            if (areas[cls] == 0) {
                continue;
            }
            List<GroupSummary> topGroups = new ArrayList<>();
            List<PrototypeSummary> topProtos = new ArrayList<>();
            if (hasEvidence()) {
                int[] counts = cellCounts[cls];
                double n = areas[cls];
                if (head.kind().hasGroups()) {
                    for (int k = 0; k < head.numGroups(); k++) {
                        double w = head.lastLayer(cls, k);
                        if (w != 0) {
                            ModelCard.Group g = head.card().groups().get(k);
                            topGroups.add(new GroupSummary(g.classId(), g.index(), w * weightedMean(groups, k, counts) / n));
                        }
                    }
                    if (prototypes != null) {
                        double[] share = new double[head.numPrototypes()];
                        for (int k = 0; k < head.numGroups(); k++) {
                            if (head.card().groups().get(k).classId() != cls) {
                                continue;
                            }
                            int[] ch = head.memberChannels(k);
                            float[] mw = head.memberWeights(k);
                            for (int m = 0; m < ch.length; m++) {
                                share[ch[m]] += mw[m] * weightedMean(prototypes, ch[m], counts) / n;
                            }
                        }
                        for (int j = 0; j < share.length; j++) {
                            if (share[j] != 0) {
                                ModelCard.Prototype p = head.card().prototypes().get(j);
                                topProtos.add(new PrototypeSummary(p.id(), p.classId(), p.scale(), share[j]));
                            }
                        }
                    }
                } else {
                    for (int j = 0; j < head.numPrototypes(); j++) {
                        double w = head.lastLayer(cls, j);
                        if (w != 0) {
                            ModelCard.Prototype p = head.card().prototypes().get(j);
                            topProtos.add(new PrototypeSummary(p.id(), p.classId(), p.scale(),
                                    w * weightedMean(prototypes, j, counts) / n));
                        }
                    }
                }
                topGroups.sort(Comparator.comparingDouble((GroupSummary s) -> -Math.abs(s.meanContribution())));
                topProtos.sort(Comparator.comparingDouble((PrototypeSummary s) -> -Math.abs(s.meanContribution())));
            }
            classes.add(new ClassSummary(cls, head.card().className(cls), areas[cls], areas[cls] / (double) total,
                    List.copyOf(topGroups.subList(0, Math.min(topK, topGroups.size()))),
                    List.copyOf(topProtos.subList(0, Math.min(topK, topProtos.size())))));
        }
        return new Summary(width, height, networkWidth, networkHeight, head.kind().id(), backend.cliName(),
                inferenceNanos / 1e6, totalNanos / 1e6, evidence.name().toLowerCase(Locale.ROOT), classes);
    }

    /** {@link #summary(int)} as pretty-printed JSON. */
    public String toJson(int topK) {
        try {
            return Json.PRETTY.writeValueAsString(summary(topK));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private double weightedMean(float[] maps, int channel, int[] counts) {
        double s = 0;
        int off = channel * cells();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                s += counts[i] * (double) maps[off + i];
            }
        }
        return s;
    }

    private boolean hasEvidence() {
        return head.kind().hasGroups() ? groups != null : prototypes != null;
    }

    private void requireEvidence(String what) {
        if (!hasEvidence()) {
            throw new IllegalStateException("cannot " + what + ": this result carries no evidence (model "
                    + head.kind().id() + ", evidence " + evidence + "); build the Segmenter with Evidence.GROUPS or FULL"
                    + " on a scaleprotoseg or protoseg model");
        }
    }

    private int cells() {
        return featureHeight * featureWidth;
    }

    private int[] classColors() {
        int[] colors = new int[numClasses()];
        for (int c = 0; c < colors.length; c++) {
            colors[c] = head.card().classes().get(c).rgb();
        }
        return colors;
    }

    private void checkPixel(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") is outside the " + width + "x" + height + " image");
        }
    }

    private void checkClass(int cls) {
        if (cls < 0 || cls >= numClasses()) {
            throw new IndexOutOfBoundsException("class " + cls + " is outside 0.." + (numClasses() - 1));
        }
    }

    private void checkBase(BufferedImage base) {
        if (base.getWidth() != width || base.getHeight() != height) {
            throw new IllegalArgumentException("base image is " + base.getWidth() + "x" + base.getHeight()
                    + ", the segmentation " + width + "x" + height);
        }
    }
}
