package io.scaleprotoseg.trainer.phase;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * ProtoSeg's pruning (METHOD.md 4, baseline only): for each prototype, the nearest candidate cell
 * of every training image; of those, the k nearest overall; the prototype is pruned when fewer
 * than {@code threshold} of them carry its class. Pruned prototypes leave with their last-layer
 * columns.
 *
 * <p><b>Candidates and carrying.</b> A cell is a candidate when its centre-nearest label (the rule
 * that labels cells in training, METHOD.md 2) is not void. A candidate <em>carries</em> class c
 * when <b>any</b> pixel of its block has label c: cell (i, j) of an h x w grid over an H x W label
 * map covers rows floor(i H / h) .. floor((i + 1) H / h) - 1 and columns floor(j W / w) ..
 * floor((j + 1) W / w) - 1 (the reference's rule). A cell on a class border or over a small object
 * thus carries every class it covers; judging it by its centre label alone prunes far more
 * prototypes there (on a speckled label map, 39 of 50 against the reference's 3).
 *
 * <p><b>The last prototype of a class is kept</b> even when the rule prunes it, and the trainer says
 * so: a class left without prototypes can never be predicted (ProtoSeg pruned 11 classes down to 8
 * prototypes on a user's data set without a word).
 */
public final class Pruning {
    private Pruning() {
    }

    /**
     * One image's nearest candidate cell to a prototype.
     *
     * @param distance its squared distance to the prototype
     * @param carriesClass whether its block holds a pixel of the prototype's class
     */
    public record Candidate(double distance, boolean carriesClass) {
    }

    /**
     * The pruning rule: of the per-image nearest candidates, take the {@code k} nearest (ties in
     * image order); prune when fewer than {@code threshold} of them carry the prototype's class.
     */
    public static boolean prune(List<Candidate> nearestPerImage, int k, int threshold) {
        return own(nearestPerImage, k) < threshold;
    }

    /**
     * The classes present in each cell's block of an {@code h x w} grid over a {@code width x height}
     * label map (row-major cells); void and other labels outside {@code 0..numClasses-1} are left out.
     */
    public static BitSet[] blockClasses(int[] labels, int width, int height, int h, int w, int numClasses) {
        BitSet[] out = new BitSet[h * w];
        for (int i = 0; i < h; i++) {
            int y0 = (int) ((long) i * height / h);
            int y1 = (int) ((long) (i + 1) * height / h);
            for (int j = 0; j < w; j++) {
                int x0 = (int) ((long) j * width / w);
                int x1 = (int) ((long) (j + 1) * width / w);
                BitSet present = new BitSet(numClasses);
                for (int y = y0; y < y1; y++) {
                    for (int x = x0; x < x1; x++) {
                        int l = labels[y * width + x];
                        if (l >= 0 && l < numClasses) {
                            present.set(l);
                        }
                    }
                }
                out[i * w + j] = present;
            }
        }
        return out;
    }

    /**
     * One image's nearest candidate to a prototype of class {@code cls}, or null when the image has
     * no candidate cell.
     *
     * @param d the prototype's distances over the image's cells, {@code d[offset + cell]}
     * @param centreLabels each cell's centre-nearest label
     * @param blocks each cell's block classes ({@link #blockClasses})
     */
    public static Candidate nearest(float[] d, int offset, int[] centreLabels, BitSet[] blocks, int cls, int ignore) {
        double best = Double.POSITIVE_INFINITY;
        int at = -1;
        for (int cell = 0; cell < centreLabels.length; cell++) {
            if (centreLabels[cell] == ignore) {
                continue;
            }
            double dist = d[offset + cell];
            if (dist < best) {
                best = dist;
                at = cell;
            }
        }
        return at < 0 ? null : new Candidate(best, blocks[at].get(cls));
    }

    /** Prunes in place; a class's last prototype is never pruned ({@link #spareLastOfClass}). */
    public static Outcome run(SegmentationNetwork net, SegmentationDataset train, int k, int threshold, int ignore,
            NDManager base) throws DatasetException {
        JniUtils.setGradMode(false);
        PrototypeTable table = net.prototypes();
        int p = table.size();
        int numClasses = net.config().numClasses();
        List<List<Candidate>> nearest = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            nearest.add(new ArrayList<>());
        }
        for (int i = 0; i < train.size(); i++) {
            Sample s = train.get(i);
            Projection.Features f = Projection.features(net, s, base);
            int cells = f.h() * f.w();
            BitSet[] blocks = blockClasses(s.labels(), s.width(), s.height(), f.h(), f.w(), numClasses);
            for (int j = 0; j < p; j++) {
                Candidate c = nearest(f.d(), j * cells, f.labels(), blocks, table.classes()[j], ignore);
                if (c != null) {
                    nearest.get(j).add(c);
                }
            }
        }
        boolean[] drop = new boolean[p];
        for (int j = 0; j < p; j++) {
            drop[j] = prune(nearest.get(j), k, threshold);
        }
        List<Integer> spared = spareLastOfClass(table.classes(), nearest, drop, k);
        List<Integer> dropRows = new ArrayList<>();
        List<Integer> pruned = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (drop[j]) {
                dropRows.add(j);
                pruned.add(table.ids()[j]);
            }
        }
        List<Spared> kept = new ArrayList<>();
        for (int j : spared) {
            kept.add(new Spared(table.ids()[j], table.classes()[j], own(nearest.get(j), k)));
        }
        Projection.removeRows(net, dropRows.stream().mapToInt(Integer::intValue).toArray());
        return new Outcome(pruned, kept);
    }

    /**
     * What pruning did.
     *
     * @param pruned ids of the pruned prototypes
     * @param spared prototypes the rule would have pruned but that were kept as the last of their class
     */
    public record Outcome(List<Integer> pruned, List<Spared> spared) {
        public Outcome {
            pruned = List.copyOf(pruned);
            spared = List.copyOf(spared);
        }
    }

    /**
     * A prototype kept although the rule prunes it, because it was its class's last.
     *
     * @param ownOfNearest how many of its k nearest candidates carry its class
     */
    public record Spared(int prototypeId, int classId, int ownOfNearest) {
    }

    /**
     * Where the rule would prune every prototype of a class, the one whose k nearest candidates
     * carry the class most often (the first in row order on a tie) is kept: a class without any
     * prototype could never be predicted, and the reference does not guard against it (METHOD.md 4
     * leaves the case open; this is our choice, reported by the trainer). Clears {@code drop} for
     * the kept rows and returns them.
     */
    static List<Integer> spareLastOfClass(int[] classes, List<List<Candidate>> nearest, boolean[] drop, int k) {
        List<Integer> kept = new ArrayList<>();
        int maxClass = -1;
        for (int c : classes) {
            maxClass = Math.max(maxClass, c);
        }
        for (int c = 0; c <= maxClass; c++) {
            int best = -1;
            boolean anyLeft = false;
            boolean anyOfClass = false;
            for (int j = 0; j < classes.length; j++) {
                if (classes[j] != c) {
                    continue;
                }
                anyOfClass = true;
                if (!drop[j]) {
                    anyLeft = true;
                    break;
                }
                if (best < 0 || own(nearest.get(j), k) > own(nearest.get(best), k)) {
                    best = j;
                }
            }
            if (anyOfClass && !anyLeft) {
                drop[best] = false;
                kept.add(best);
            }
        }
        return kept;
    }

    /** How many of the {@code k} nearest candidates carry the prototype's class. */
    static int own(List<Candidate> nearestPerImage, int k) {
        List<Candidate> list = new ArrayList<>(nearestPerImage);
        list.sort(Comparator.comparingDouble(Candidate::distance));
        int own = 0;
        for (int n = 0; n < Math.min(k, list.size()); n++) {
            if (list.get(n).carriesClass()) {
                own++;
            }
        }
        return own;
    }
}
