package io.scaleprotoseg.sdk;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

/**
 * Which learned parts decide which classes, over a collection of images: for every prototype and
 * group of a model, on how many pixels of each class it is <b>decisive</b> (removing it alone
 * changes the pixel's class, {@link Segmentation#without}), its mean contribution per class, its
 * strongest activations, and, when labels are given, how much the mIoU would change without it.
 * All computed from the evidence of each {@link Segmentation}, without running the model again.
 *
 * <p><b>Definitions.</b> Pixels are counted by the class the model predicts there (the mask through
 * the SDK's own upsampling, as {@link Counterfactual#originalMask()}). A part's contribution at a
 * pixel is read at the pixel's nearest feature cell: a group's is its last-layer weight to the
 * pixel's class times its activation; a ScaleProtoSeg prototype's is its share {@code w * g} of the
 * log-activation of the groups it belongs to; a ProtoSeg prototype's is its last-layer weight to the
 * pixel's class times g. The mIoU change sums, over the images, the confusion of the labels with the
 * mask without the part, against the same with the full model.
 *
 * <p>Not thread-safe: give each thread its own and {@link #merge} them (the parts' figures are sums).
 * {@link #add} itself audits the parts of an image in parallel on the common fork-join pool; the
 * figures are the same whatever the number of threads.
 * Serializable, so that the audits of partitions made on other machines can be merged on one.
 *
 * <p><b>Memory.</b> {@link #add} reuses its working arrays from image to image (fresh arrays of an
 * image's size for every image made the audit up to 1.5x slower): an audit holds about 52 bytes per
 * pixel of the largest image added so far, plus 8 bytes per pixel for each thread that audited
 * parts (110 MB and 17 MB per thread for 2048 x 1024), until it is dropped; they are not serialized.
 */
public final class PartAudit implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Strongest activations kept per prototype. */
    public static final int TOP = 3;

    private final ModelCard card;
    private final int classes;
    private final List<PartState> parts = new ArrayList<>();
    private final long[] baseConfusion;
    private int images;

    /** One image's strongest activation of a prototype: the image's index in {@link #add} order and the cell. */
    public record Activation(int image, int row, int column, double g) implements Serializable {
    }

    /**
     * One part's figures.
     *
     * @param prototypeId the prototype's id, or -1 for a group
     * @param group the group, or null for a prototype
     * @param classId the class the part belongs to
     * @param scale the prototype's scale index, or -1 for a group
     * @param decisivePixels per class, pixels predicted as that class where the part is decisive
     * @param classPixels per class, pixels predicted as that class (the same for every part)
     * @param meanContribution per class, the part's mean contribution over the pixels of that class
     *     (NaN where the class was never predicted)
     * @param miouChange mIoU without the part minus mIoU with it (NaN without labels)
     * @param strongest the strongest activations (prototypes; empty for groups)
     */
    public record Part(int prototypeId, GroupRef group, int classId, int scale, long[] decisivePixels, long[] classPixels,
            double[] meanContribution, double miouChange, List<Activation> strongest) {
        /** Share of the pixels of class {@code cls} where the part is decisive (0 where none was predicted). */
        public double decisiveShare(int cls) {
            return classPixels[cls] == 0 ? 0 : (double) decisivePixels[cls] / classPixels[cls];
        }

        /** Pixels where it is decisive, over all classes. */
        public long decisiveTotal() {
            long n = 0;
            for (long v : decisivePixels) {
                n += v;
            }
            return n;
        }

        /** "prototype 17" or "group 5:2". */
        public String name() {
            return group == null ? "prototype " + prototypeId : "group " + group;
        }
    }

    private static final class PartState implements Serializable {
        private static final long serialVersionUID = 1L;
        final int prototypeId;
        final GroupRef group;
        final int classId;
        final int scale;
        final long[] decisive;
        final double[] contribution;
        /** The moves of the confusion matrix the part's removal causes (added to the full model's). */
        final long[] confusion;
        final List<Activation> top = new ArrayList<>();
        /** A ScaleProtoSeg prototype's summed weight over the groups it belongs to (from the card). */
        double weightSum;

        PartState(int prototypeId, GroupRef group, int classId, int scale, int classes) {
            this.prototypeId = prototypeId;
            this.group = group;
            this.classId = classId;
            this.scale = scale;
            this.decisive = new long[classes];
            this.contribution = new double[classes];
            this.confusion = new long[classes * classes];
        }
    }

    private final long[] classPixels;
    private boolean labelled = true;
    /** Working arrays reused from image to image (fresh ones of an image's size each time cost more than refilling). */
    private transient Buffers buffers;

    /** {@link #add}'s working arrays: per pixel, per cell and class, and one set per thread for the parts. */
    private static final class Buffers {
        int[] base = new int[0];
        float[] margin = new float[0];
        float[] second = new float[0];
        int[] pixelCell = new int[0];
        long[] cellClass = new long[0];
        final Segmentation.PixelIndex index = new Segmentation.PixelIndex();
        final ConcurrentLinkedQueue<Segmentation.AuditScratch> spare = new ConcurrentLinkedQueue<>();

        void fit(int pixels, int cellClasses) {
            if (base.length < pixels) {
                base = new int[pixels];
                margin = new float[pixels];
                second = new float[pixels];
                pixelCell = new int[pixels];
            }
            if (cellClass.length != cellClasses) {
                cellClass = new long[cellClasses];
            } else {
                Arrays.fill(cellClass, 0);
            }
        }
    }

    /** An empty audit of the model {@code card} describes (a ScaleProtoSeg or ProtoSeg model). */
    public PartAudit(ModelCard card) {
        if (!card.method().hasPrototypes()) {
            throw new IllegalArgumentException("a " + card.method().id() + " model has no parts to audit");
        }
        this.card = card;
        this.classes = card.numClasses();
        this.classPixels = new long[classes];
        this.baseConfusion = new long[classes * classes];
        for (ModelCard.Prototype p : card.prototypes()) {
            PartState state = new PartState(p.id(), null, p.classId(), p.scale(), classes);
            for (ModelCard.Group g : card.groups()) {
                for (ModelCard.Member m : g.members()) {
                    if (m.prototypeId() == p.id()) {
                        state.weightSum += m.weight();
                    }
                }
            }
            parts.add(state);
        }
        if (card.method().hasGroups()) {
            for (ModelCard.Group g : card.groups()) {
                parts.add(new PartState(-1, new GroupRef(g.classId(), g.index()), g.classId(), -1, classes));
            }
        }
    }

    /**
     * Adds one image's result.
     *
     * @param s a result of the audited model with {@link Evidence#FULL}
     * @param labels its labels, row-major at the image's size (the card's ignore label for void), or
     *     null; an audit either has labels for every image or for none
     * @throws IllegalArgumentException for a result of another model, or labels of the wrong size
     * @throws IllegalStateException for a result without prototype activations
     */
    public void add(Segmentation s, int[] labels) {
        if (!s.card().equals(card)) {
            throw new IllegalArgumentException("the result is of another model than this audit's");
        }
        if (labels != null && labels.length != s.width() * s.height()) {
            throw new IllegalArgumentException("labels hold " + labels.length + " values for a " + s.width() + "x" + s.height()
                    + " image");
        }
        labelled &= labels != null;
        float[] g = s.prototypeActivations();
        FeatureGrid grid = s.featureGrid();
        int n = s.width() * s.height();
        int cells = grid.cells();
        if (buffers == null) {
            buffers = new Buffers();
        }
        Buffers b = buffers;
        b.fit(n, cells * classes);
        int[] base = b.base;
        s.margins(base, b.margin, b.second);
        s.pixelCells(b.pixelCell);
        Segmentation.PixelIndex index = s.pixelIndex(base, b.margin, b.index);
        // pixels of each predicted class per nearest cell, for the contributions
        long[] cellClass = b.cellClass;
        for (int i = 0; i < n; i++) {
            classPixels[base[i]]++;
            cellClass[b.pixelCell[i] * classes + base[i]]++;
        }
        if (labels != null) {
            confusion(baseConfusion, labels, base);
        }
        // the parts are independent (each touches only its own state): audited in parallel, each
        // part's sums in the same order as a sequential pass, so the figures do not depend on threads
        IntStream.range(0, parts.size()).parallel().forEach(i -> {
            Segmentation.AuditScratch scratch = b.spare.poll();
            if (scratch == null) {
                scratch = new Segmentation.AuditScratch();
            }
            addPart(parts.get(i), s, labels, g, base, index, cellClass, scratch);
            b.spare.add(scratch);
        });
        images++;
    }

    private void addPart(PartState p, Segmentation s, int[] labels, float[] g, int[] base,
            Segmentation.PixelIndex index, long[] cellClass, Segmentation.AuditScratch scratch) {
        FeatureGrid grid = s.featureGrid();
        int cells = grid.cells();
        int n = s.changedWithout(p.prototypeId, p.group, index, scratch);
        int[] pixel = scratch.changedPixels;
        int[] now = scratch.newClasses;
        for (int i = 0; i < n; i++) {
            p.decisive[base[pixel[i]]]++;
        }
        if (labels != null) {
            // the confusion without the part is the full model's with the changed pixels moved: keep the moves
            for (int i = 0; i < n; i++) {
                int l = labels[pixel[i]];
                if (l >= 0 && l < classes) {
                    p.confusion[l * classes + base[pixel[i]]]--;
                    p.confusion[l * classes + now[i]]++;
                }
            }
        }
        s.addContributions(p.prototypeId, p.group, p.weightSum, cellClass, p.contribution);
        if (p.group == null) {
            int ch = s.prototypeChannel(p.prototypeId);
            int best = 0;
            for (int cell = 1; cell < cells; cell++) {
                if (g[ch * cells + cell] > g[ch * cells + best]) {
                    best = cell;
                }
            }
            p.top.add(new Activation(images, best / grid.columns(), best % grid.columns(), g[ch * cells + best]));
            p.top.sort(Comparator.comparingDouble(Activation::g).reversed());
            if (p.top.size() > TOP) {
                p.top.remove(TOP);
            }
        }
    }

    private void confusion(long[] into, int[] labels, int[] predicted) {
        for (int i = 0; i < labels.length; i++) {
            int l = labels[i];
            if (l >= 0 && l < classes) {
                into[l * classes + predicted[i]]++;
            }
        }
    }

    /** Adds another audit of the same model (image indices of {@code other} follow this one's). */
    public void merge(PartAudit other) {
        if (!other.card.equals(card)) {
            throw new IllegalArgumentException("the audits are of different models");
        }
        for (int i = 0; i < parts.size(); i++) {
            PartState a = parts.get(i);
            PartState b = other.parts.get(i);
            for (int c = 0; c < classes; c++) {
                a.decisive[c] += b.decisive[c];
                a.contribution[c] += b.contribution[c];
            }
            for (int k = 0; k < a.confusion.length; k++) {
                a.confusion[k] += b.confusion[k];
            }
            for (Activation t : b.top) {
                a.top.add(new Activation(t.image() + images, t.row(), t.column(), t.g()));
            }
            a.top.sort(Comparator.comparingDouble(Activation::g).reversed());
            while (a.top.size() > TOP) {
                a.top.remove(TOP);
            }
        }
        for (int c = 0; c < classes; c++) {
            classPixels[c] += other.classPixels[c];
        }
        for (int k = 0; k < baseConfusion.length; k++) {
            baseConfusion[k] += other.baseConfusion[k];
        }
        labelled &= other.labelled;
        images += other.images;
    }

    /** Images added. */
    public int images() {
        return images;
    }

    /** The model's mIoU on the labelled images (NaN without labels or images). */
    public double baseMeanIou() {
        return images == 0 || !labelled ? Double.NaN : ConfusionMatrix.meanIou(baseConfusion, classes);
    }

    /** Every prototype (channel order) and then every group (card order) with its figures. */
    public List<Part> parts() {
        double base = baseMeanIou();
        List<Part> out = new ArrayList<>();
        for (PartState p : parts) {
            double[] mean = new double[classes];
            for (int c = 0; c < classes; c++) {
                mean[c] = classPixels[c] == 0 ? Double.NaN : p.contribution[c] / classPixels[c];
            }
            long[] without = baseConfusion.clone();
            for (int k = 0; k < without.length; k++) {
                without[k] += p.confusion[k];
            }
            out.add(new Part(p.prototypeId, p.group, p.classId, p.scale, p.decisive.clone(), classPixels.clone(), mean,
                    Double.isNaN(base) ? Double.NaN : ConfusionMatrix.meanIou(without, classes) - base, List.copyOf(p.top)));
        }
        return out;
    }
}
