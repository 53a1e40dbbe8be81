package io.scaleprotoseg.trainer.phase;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ProtoSeg's pruning (METHOD.md 4, baseline only): for each prototype, the nearest non-void cell
 * of every training image; of those, the k nearest overall; the prototype is pruned when fewer
 * than {@code threshold} of them carry its class. Pruned prototypes leave with their last-layer
 * columns.
 */
public final class Pruning {
    private Pruning() {
    }

    /**
     * The pruning rule: of the per-image nearest cells {@code (distance, label)}, take the {@code k}
     * nearest; prune when fewer than {@code threshold} of them carry the prototype's class.
     */
    public static boolean prune(List<double[]> nearestPerImage, int cls, int k, int threshold) {
        List<double[]> list = new ArrayList<>(nearestPerImage);
        list.sort(Comparator.comparingDouble(a -> a[0]));
        int own = 0;
        for (int n = 0; n < Math.min(k, list.size()); n++) {
            if ((int) list.get(n)[1] == cls) {
                own++;
            }
        }
        return own < threshold;
    }

    /** Prunes in place and returns the ids of the pruned prototypes. */
    public static List<Integer> run(SegmentationNetwork net, SegmentationDataset train, int k, int threshold, int ignore,
            NDManager base) throws DatasetException {
        JniUtils.setGradMode(false);
        PrototypeTable table = net.prototypes();
        int p = table.size();
        List<List<double[]>> nearest = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            nearest.add(new ArrayList<>());
        }
        for (int i = 0; i < train.size(); i++) {
            Sample s = train.get(i);
            Projection.Features f = Projection.features(net, s, base);
            int cells = f.h() * f.w();
            for (int j = 0; j < p; j++) {
                double best = Double.POSITIVE_INFINITY;
                int label = -1;
                for (int cell = 0; cell < cells; cell++) {
                    int l = f.labels()[cell];
                    if (l == ignore) {
                        continue;
                    }
                    double d = f.d()[j * cells + cell];
                    if (d < best) {
                        best = d;
                        label = l;
                    }
                }
                if (label >= 0) {
                    nearest.get(j).add(new double[] {best, label});
                }
            }
        }
        List<Integer> dropRows = new ArrayList<>();
        List<Integer> pruned = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (prune(nearest.get(j), table.classes()[j], k, threshold)) {
                dropRows.add(j);
                pruned.add(table.ids()[j]);
            }
        }
        Projection.removeRows(net, dropRows.stream().mapToInt(Integer::intValue).toArray());
        return pruned;
    }
}
