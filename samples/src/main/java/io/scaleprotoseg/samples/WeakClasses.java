package io.scaleprotoseg.samples;

import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.InMemoryDataset;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.phase.ClassShares;
import io.scaleprotoseg.trainer.phase.MemoryEstimate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The classes that the demo's models miss, each with the evidence for why: its share of the test
 * pixels, the IoU that the right class in every feature cell would reach (what the network's stride
 * allows at all), and, for each prototype model, how many prototypes the class kept and how much of
 * the feature cell each was projected onto actually shows the class (the cell's pixel block, as
 * ProtoSeg's pruning reads it, METHOD.md 4).
 *
 * <p>A class is weak for a model when its test IoU is below {@link #ABSOLUTE} or below
 * {@link #RELATIVE} of that model's mIoU. Every cause the evidence shows is named, in this order: a
 * grid that resolves the class poorly, a class too rare to be learned in the schedule, prototypes
 * pruned away or projected onto cells that mostly show other classes; when none applies the report
 * says so instead of guessing.
 */
final class WeakClasses {
    /** A class under this test IoU is weak. */
    static final double ABSOLUTE = 0.2;
    /** A class under this share of its model's mIoU is weak. */
    static final double RELATIVE = 0.5;
    /** Below this perfect-grid IoU the stride is the cause. */
    static final double GRID_LIMIT = 0.5;
    /** Below this share of the labelled test pixels a class is rare. */
    static final double RARE = 0.02;
    /** Below this mean share of its class in the projection cells, prototypes sit mostly on other classes. */
    static final double OFF_CLASS = 0.5;

    /** One model's result on the test split. */
    record ModelResult(String id, double meanIou, double[] classIou, ModelCard card) {
    }

    /**
     * A prototype model's prototypes of one class.
     *
     * @param count prototypes of the class in the model
     * @param meanClassShare mean share of the class's pixels in the feature cell each was projected
     *     onto (NaN when none has a known source)
     */
    record Prototypes(int count, double meanClassShare) {
    }

    /**
     * One weak class.
     *
     * @param iou per model id, its test IoU
     * @param prototypes per prototype model id, its prototypes
     */
    record Weak(int classId, String name, Map<String, Double> iou, double pixelShare, double gridIou,
            Map<String, Prototypes> prototypes, String cause) {
    }

    private WeakClasses() {
    }

    /**
     * The weak classes of {@code models} on {@code test}.
     *
     * @param net the network the grid is computed for (all demo models share the stride)
     * @param train the training split the prototypes were projected from
     */
    static List<Weak> find(List<ModelResult> models, NetworkConfig net, List<Sample> test, SegmentationDataset train)
            throws DatasetException {
        if (models.isEmpty()) {
            return List.of();
        }
        ModelCard card = models.get(0).card();
        ClassShares shares = ClassShares.of(new InMemoryDataset("test", train.labels(), List.of(), test), net, test.size());
        Map<String, Sample> trainById = null;
        List<Weak> out = new ArrayList<>();
        for (ModelCard.ClassInfo c : card.classes()) {
            int k = c.id();
            boolean weak = false;
            Map<String, Double> iou = new LinkedHashMap<>();
            for (ModelResult m : models) {
                double v = k < m.classIou().length ? m.classIou()[k] : Double.NaN;
                iou.put(m.id(), v);
                weak |= !Double.isNaN(v) && (v < ABSOLUTE || v < RELATIVE * m.meanIou());
            }
            if (!weak) {
                continue;
            }
            if (trainById == null) {
                trainById = new HashMap<>();
                for (int i = 0; i < train.size(); i++) {
                    Sample s = train.get(i);
                    trainById.put(s.id(), s);
                }
            }
            Map<String, Prototypes> protos = new LinkedHashMap<>();
            for (ModelResult m : models) {
                if (m.card().method().hasPrototypes()) {
                    protos.put(m.id(), prototypes(m.card().prototypes(), k, net, trainById));
                }
            }
            out.add(new Weak(k, c.name(), iou, shares.pixelShare()[k], shares.perfectGridIou()[k], protos,
                    cause(shares.pixelShare()[k], shares.perfectGridIou()[k], protos, net.outputStride())));
        }
        return out;
    }

    /** The class's prototypes among {@code candidates} and how much of their projection cells shows the class. */
    static Prototypes prototypes(List<ModelCard.Prototype> candidates, int classId, NetworkConfig net, Map<String, Sample> trainById) {
        int count = 0;
        double sum = 0;
        int known = 0;
        for (ModelCard.Prototype p : candidates) {
            if (p.classId() != classId) {
                continue;
            }
            count++;
            Sample s = p.source() == null ? null : trainById.get(p.source().imageId());
            if (s == null) {
                continue;
            }
            // the cell's block, as pruning reads it (METHOD.md 4): rows floor(i H / h) .. floor((i + 1) H / h) - 1
            int[] grid = MemoryEstimate.featureSize(net, s.height(), s.width());
            int i = p.source().row();
            int j = p.source().col();
            int y0 = (int) ((long) i * s.height() / grid[0]);
            int y1 = (int) ((long) (i + 1) * s.height() / grid[0]);
            int x0 = (int) ((long) j * s.width() / grid[1]);
            int x1 = (int) ((long) (j + 1) * s.width() / grid[1]);
            int hit = 0;
            int all = 0;
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    all++;
                    if (s.labels()[y * s.width() + x] == classId) {
                        hit++;
                    }
                }
            }
            if (all > 0) {
                sum += (double) hit / all;
                known++;
            }
        }
        return new Prototypes(count, known == 0 ? Double.NaN : sum / known);
    }

    /** The likely causes the data-side evidence shows, in the order the class docs give, joined by "; ". */
    static String cause(double pixelShare, double gridIou, Map<String, Prototypes> protos, int stride) {
        List<String> causes = new ArrayList<>();
        if (!Double.isNaN(gridIou) && gridIou < GRID_LIMIT) {
            causes.add(String.format(Locale.ROOT, "the stride-%d feature grid resolves it poorly: even the right class in every "
                    + "cell would reach IoU %.2f; larger images (or crops) raise that ceiling", stride, gridIou));
        }
        if (pixelShare < RARE) {
            causes.add(String.format(Locale.ROOT, "it is rare (%.1f%% of the labelled test pixels) and is learned late; a longer "
                    + "schedule would help", 100 * pixelShare));
        }
        for (Map.Entry<String, Prototypes> e : protos.entrySet()) {
            Prototypes p = e.getValue();
            if (p.count() == 0) {
                causes.add(e.getKey() + " has no prototype of this class left after pruning");
            } else if (!Double.isNaN(p.meanClassShare()) && p.meanClassShare() < OFF_CLASS) {
                causes.add(String.format(Locale.ROOT, "%s's prototypes of this class were projected onto feature cells where it "
                        + "covers only %.0f%% of the pixels on average: they mostly show its surroundings", e.getKey(),
                        100 * p.meanClassShare()));
            }
        }
        return causes.isEmpty() ? "no data-side cause found: the grid resolves it, it is not rare and its prototypes sit on it"
                : String.join("; ", causes);
    }
}
