package io.scaleprotoseg.trainer.phase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.trainer.loss.CrossEntropyLoss;
import io.scaleprotoseg.trainer.loss.GroupEntropyLoss;
import io.scaleprotoseg.trainer.loss.JeffreysDiversityLoss;
import io.scaleprotoseg.trainer.loss.LabelDownsampler;
import io.scaleprotoseg.trainer.loss.OffClassL1;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stage totals of METHOD.md 2 for one micro-batch:
 * <ul>
 *   <li>stage-1 warm-up and joint: CE + l_div L_div (DeepLabv2: CE alone);
 *   <li>stage-1 fine-tune: CE + l_l1 L1 (off-class weights of the last layer);
 *   <li>stage 2: CE + l_ent L_ent + l_l1 L1 (group weights, group last layer).
 * </ul>
 *
 * <p><b>Multi-scale input</b> (METHOD.md 1.2): every output, x1, each extra input scale and the fused
 * max, gets its own stage total against labels downsampled to its own grid, and the objective is
 * the mean of those totals. The weight terms (L1, entropy) do not depend on the output, so their
 * mean over the outputs is the term itself: they are computed once. So the diversity loss reaches
 * the x0.5 and x0.75 branches as well as the fused output.
 *
 * <p>The {@link Terms} give each term unweighted (mean over the outputs) next to the weighted
 * total, for the metrics log. Stateless and thread-safe; the arrays it makes live in the
 * manager of the outputs.
 */
public final class StageObjective {
    /** Which total a phase minimises. */
    public enum Kind {
        /** CE alone (the black-box DeepLabv2). */
        CROSS_ENTROPY,
        /** CE + l_div L_div (stage-1 warm-up and joint). */
        DIVERSITY,
        /** CE + l_l1 L1 on the last layer (stage-1 fine-tunes). */
        FINETUNE,
        /** CE + l_ent L_ent + l_l1 L1 on the group last layer (stage 2). */
        GROUPS
    }

    /** Metric names of the terms, as logged in {@code metrics.jsonl}. */
    public static final String TOTAL = "total";
    public static final String CROSS_ENTROPY = "ce";
    public static final String DIVERSITY = "div";
    public static final String L1 = "l1";
    public static final String ENTROPY = "entropy";

    /**
     * One micro-batch's objective.
     *
     * @param total the weighted total to differentiate
     * @param terms each unweighted term by metric name (mean over the outputs), in order ce, div, l1, entropy
     */
    public record Terms(NDArray total, Map<String, NDArray> terms) {
        /** The values, total first, for logging. */
        public Map<String, Double> values() {
            Map<String, Double> out = new LinkedHashMap<>();
            out.put(TOTAL, (double) total.getFloat());
            terms.forEach((k, v) -> out.put(k, (double) v.getFloat()));
            return out;
        }
    }

    private final Kind kind;
    private final TrainingConfig cfg;
    private final int ignore;

    /**
     * @param kind the phase's total
     * @param cfg the loss weights (l_div, l_l1, l_ent, l_l1 of stage 2) and G
     * @param ignore the void label
     */
    public StageObjective(Kind kind, TrainingConfig cfg, int ignore) {
        this.kind = kind;
        this.cfg = cfg;
        this.ignore = ignore;
    }

    /** The total that phase {@code p} minimises for a network of {@code cfg}. */
    public static Kind of(Phase p, TrainingConfig cfg) {
        switch (p) {
            case FINETUNE:
            case FINETUNE_AFTER_PRUNE:
                return Kind.FINETUNE;
            case GROUP_WARMUP:
            case GROUP_JOINT:
                return Kind.GROUPS;
            default:
                return cfg.network().method().hasPrototypes() ? Kind.DIVERSITY : Kind.CROSS_ENTROPY;
        }
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The objective of {@code out}, the network's outputs on a batch whose labels are
     * {@code labels} ({@code size} maps of {@code width x height}).
     */
    public Terms compute(SegmentationNetwork net, SegmentationNetwork.Outputs out, int[] labels, int size, int width,
            int height) {
        return compute(net, out, labelGrids(out, labels, size, width, height));
    }

    /**
     * The labels of a batch downsampled (centre-nearest, METHOD.md 2) to the grid of each of
     * {@code out}'s outputs, keyed by grid height and width; outputs that share a grid (x1 and the
     * fused output) share one array. Pure Java, apart from {@link #compute(SegmentationNetwork,
     * SegmentationNetwork.Outputs, Map)} so that the trainer's {@link StepProfile} tells the two apart.
     */
    public static Map<Shape, int[]> labelGrids(SegmentationNetwork.Outputs out, int[] labels, int size, int width,
            int height) {
        Map<Shape, int[]> grids = new HashMap<>();
        for (SegmentationNetwork.Outputs o : withScales(out)) {
            Shape shape = o.logits().getShape();
            grids.computeIfAbsent(new Shape(shape.get(2), shape.get(3)), k -> labelsAt(labels, size, width, height, shape));
        }
        return grids;
    }

    /** The objective of {@code out} against the label grids {@link #labelGrids} made for it. */
    public Terms compute(SegmentationNetwork net, SegmentationNetwork.Outputs out, Map<Shape, int[]> grids) {
        List<SegmentationNetwork.Outputs> outputs = withScales(out);
        NDManager m = out.logits().getManager();
        NDArray ce = null;
        NDArray div = null;
        for (SegmentationNetwork.Outputs o : outputs) {
            Shape shape = o.logits().getShape();
            int[] grid = grids.get(new Shape(shape.get(2), shape.get(3)));
            if (grid == null) {
                throw new IllegalArgumentException("no label grid for an output of shape " + shape);
            }
            NDArray ceO = CrossEntropyLoss.compute(o.logits(), grid, ignore);
            ce = ce == null ? ceO : ce.add(ceO);
            if (kind == Kind.DIVERSITY) {
                NDArray divO = JeffreysDiversityLoss.compute(o.distances(), grid, net.prototypes(), net.config().numScales());
                div = div == null ? divO : div.add(divO);
            }
        }
        if (outputs.size() > 1) {
            ce = OwnedTensors.dividedBy(ce, outputs.size());
            div = div == null ? null : OwnedTensors.dividedBy(div, outputs.size());
        }
        Map<String, NDArray> terms = new LinkedHashMap<>();
        terms.put(CROSS_ENTROPY, ce);
        NDArray total = ce;
        switch (kind) {
            case DIVERSITY:
                terms.put(DIVERSITY, div);
                total = total.add(OwnedTensors.times(div, cfg.lambdaDiversity()));
                break;
            case FINETUNE: {
                NDArray l1 = OffClassL1.compute(net.params().get("last_layer"), net.prototypes().classes(), m);
                terms.put(L1, l1);
                total = total.add(OwnedTensors.times(l1, cfg.lambdaL1()));
                break;
            }
            case GROUPS: {
                int c = net.config().numClasses();
                int g = net.config().groupsPerClass();
                NDArray l1 = OffClassL1.compute(net.params().get(SegmentationNetwork.GROUP_LAST_LAYER),
                        GroupLayer.rowClasses(c, g), m);
                NDArray entropy = GroupEntropyLoss.compute(net.params().get(SegmentationNetwork.GROUP_WEIGHTS),
                        GroupLayer.rowPrototypeCounts(net.prototypes(), c, g), m);
                terms.put(L1, l1);
                terms.put(ENTROPY, entropy);
                total = total.add(OwnedTensors.times(entropy, cfg.lambdaEntropy()))
                        .add(OwnedTensors.times(l1, cfg.lambdaL1Groups()));
                break;
            }
            default:
                break;
        }
        return new Terms(total, terms);
    }

    /** The output and, with multi-scale input, each input scale's output. */
    private static List<SegmentationNetwork.Outputs> withScales(SegmentationNetwork.Outputs out) {
        List<SegmentationNetwork.Outputs> outputs = new ArrayList<>();
        outputs.add(out);
        outputs.addAll(out.scales());
        return outputs;
    }

    /** The labels downsampled (centre-nearest, METHOD.md 2) to the grid of an output of shape [B, C, h, w]. */
    static int[] labelsAt(int[] labels, int size, int width, int height, Shape logits) {
        int fh = (int) logits.get(2);
        int fw = (int) logits.get(3);
        int[] out = new int[size * fh * fw];
        int hw = width * height;
        for (int i = 0; i < size; i++) {
            int[] one = Arrays.copyOfRange(labels, i * hw, (i + 1) * hw);
            System.arraycopy(LabelDownsampler.downsample(one, width, height, fw, fh), 0, out, i * fh * fw, fh * fw);
        }
        return out;
    }
}
