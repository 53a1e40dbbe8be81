package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.loss.CrossEntropyLoss;
import io.scaleprotoseg.trainer.loss.JeffreysDiversityLoss;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.optim.Adam;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The stage totals, above all the multi-scale-input rule of METHOD.md 1.2. */
class StageObjectiveTest extends DjlTestBase {
    private static final int SIZE = 64;
    private static final int IGNORE = 255;

    /** The Pascal preset's loss weights and multi-scale input on a network small enough for a test. */
    private static TrainingConfig pascalOnASmallNetwork() {
        NetworkConfig small = new NetworkConfig(ModelKind.SCALEPROTOSEG, ResNetLayout.Depth.R18, 8, 5, new int[] {1, 2, 3, 4}, 3,
                8, 3, List.of(0.5, 0.75));
        return Presets.get("pascal", ModelKind.SCALEPROTOSEG).withNetwork(small);
    }

    /** Four classes in quadrants with void speckles and a strip of class 4: every output grid has pairs. */
    private static int[] labels(int batch) {
        int[] l = new int[batch * SIZE * SIZE];
        SplittableRandom r = new SplittableRandom(3);
        for (int b = 0; b < batch; b++) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int c = (y < SIZE / 2 ? 0 : 2) + (x < SIZE / 2 ? 0 : 1);
                    if (x >= 24 && x < 40 && b == 1) {
                        c = 4;
                    }
                    l[(b * SIZE + y) * SIZE + x] = r.nextInt(10) == 0 ? IGNORE : c;
                }
            }
        }
        return l;
    }

    /** Runs {@code loss} on a fresh forward pass and returns the gradient of the trainable parameters, flat. */
    private double[] gradient(SegmentationNetwork net, float[] pixels, int batch, Function<SegmentationNetwork.Outputs, NDArray> loss) {
        try (NDManager m = manager.newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = OwnedTensors.of(m, pixels, new Shape(batch, 3, SIZE, SIZE));
                gc.backward(loss.apply(net.forward(x)));
            }
            List<Double> out = new ArrayList<>();
            for (String name : net.params().names()) {
                NDArray p = net.params().get(name);
                if (p.hasGradient()) {
                    for (float g : p.getGradient().toFloatArray()) {
                        out.add((double) g);
                    }
                }
            }
            Adam.zeroGradients(net.params());
            return out.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    private static float[] pixels(int batch) {
        float[] p = new float[batch * 3 * SIZE * SIZE];
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextDouble();
        }
        return p;
    }

    @Test
    void withMultiScaleInputTheTotalIsTheMeanOfEachOutputsStageTotalAndDiversityReachesEveryBranch() {
        TrainingConfig cfg = pascalOnASmallNetwork();
        int batch = 2;
        int[] labels = labels(batch);
        float[] pixels = pixels(batch);
        try (ParameterSet params = new ParameterSet(manager)) {
            Initialization.create(cfg.network(), params, 4);
            SegmentationNetwork net = new SegmentationNetwork(cfg.network(), params, PrototypeTable.initial(cfg.network()));
            StageObjective objective = new StageObjective(StageObjective.Kind.DIVERSITY, cfg, IGNORE);
            double lambda = cfg.lambdaDiversity();
            assertEquals(0.25, lambda, "the Pascal preset's l_div");

            // the value: the mean over x1 + fused, x0.5, x0.75 of CE_o + l_div Div_o, each at its own grid
            try (NDManager m = manager.newSubManager()) {
                SegmentationNetwork.Outputs out = net.forward(OwnedTensors.of(m, pixels, new Shape(batch, 3, SIZE, SIZE)));
                assertEquals(3, out.scales().size(), "x1, x0.5 and x0.75 besides the fused output");
                List<SegmentationNetwork.Outputs> outputs = new ArrayList<>(out.scales());
                outputs.add(out);
                double sum = 0;
                double divSum = 0;
                List<Long> grids = new ArrayList<>();
                for (SegmentationNetwork.Outputs o : outputs) {
                    int[] grid = StageObjective.labelsAt(labels, batch, SIZE, SIZE, o.logits().getShape());
                    grids.add(o.logits().getShape().get(2));
                    double ce = CrossEntropyLoss.compute(o.logits(), grid, IGNORE).getFloat();
                    double div = JeffreysDiversityLoss.compute(o.distances(), grid, net.prototypes(), 4).getFloat();
                    assertTrue(div > 0, "every output has diversity pairs");
                    sum += ce + lambda * div;
                    divSum += div;
                }
                assertEquals(List.of(9L, 5L, 7L, 9L), grids, "each output at its own resolution");
                StageObjective.Terms t = objective.compute(net, out, labels, batch, SIZE, SIZE);
                assertEquals(sum / 4, t.total().getFloat(), 1e-5 * Math.abs(sum / 4));
                assertEquals(divSum / 4, t.values().get(StageObjective.DIVERSITY), 1e-5 * divSum / 4, "div is logged as the mean");
            }

            // the gradient: through every output's diversity, not the fused one's alone
            params.setTrainable(EnumSet.of(ParamGroup.ASPP_WEIGHT, ParamGroup.PROTOTYPES));
            double[] total = gradient(net, pixels, batch,
                    out -> objective.compute(net, out, labels, batch, SIZE, SIZE).total());
            double[] ceMean = new double[total.length];
            double[] divMean = new double[total.length];
            double[] divFused = null;
            for (int o = 0; o < 4; o++) {
                int which = o;
                Function<SegmentationNetwork.Outputs, SegmentationNetwork.Outputs> pick =
                        out -> which == 3 ? out : out.scales().get(which);
                double[] ce = gradient(net, pixels, batch, out -> {
                    SegmentationNetwork.Outputs s = pick.apply(out);
                    return CrossEntropyLoss.compute(s.logits(), StageObjective.labelsAt(labels, batch, SIZE, SIZE,
                            s.logits().getShape()), IGNORE);
                });
                double[] div = gradient(net, pixels, batch, out -> {
                    SegmentationNetwork.Outputs s = pick.apply(out);
                    return JeffreysDiversityLoss.compute(s.distances(), StageObjective.labelsAt(labels, batch, SIZE, SIZE,
                            s.logits().getShape()), net.prototypes(), 4);
                });
                if (o == 1 || o == 2) {
                    assertTrue(norm(div) > 0, "the x" + (o == 1 ? "0.5" : "0.75") + " output's diversity has a gradient");
                }
                for (int i = 0; i < total.length; i++) {
                    ceMean[i] += ce[i] / 4;
                    divMean[i] += div[i] / 4;
                }
                if (o == 3) {
                    divFused = div;
                }
            }
            double[] expected = new double[total.length];
            double[] diversityPart = new double[total.length];
            for (int i = 0; i < total.length; i++) {
                expected[i] = ceMean[i] + lambda * divMean[i];
                diversityPart[i] = (total[i] - ceMean[i]) / lambda;
            }
            double scale = norm(expected);
            assertTrue(distance(total, expected) < 1e-4 * scale, "gradient = mean of the four stage totals' gradients ("
                    + distance(total, expected) / scale + " relative)");
            double divScale = norm(divMean);
            assertTrue(distance(diversityPart, divMean) < 1e-2 * divScale, "the diversity part is the mean over the outputs ("
                    + distance(diversityPart, divMean) / divScale + " relative)");
            assertTrue(distance(diversityPart, divFused) > 0.2 * divScale,
                    "and not the fused output's alone (" + distance(diversityPart, divFused) / divScale + " relative)");
        }
    }

    @Test
    void withoutMultiScaleInputTheTermsAreTheLossFunctionsOfTheOneOutput() {
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG);
        int[] labels = labels(1);
        for (int i = 0; i < labels.length; i++) {
            labels[i] = labels[i] == IGNORE ? IGNORE : labels[i] % cfg.network().numClasses();
        }
        try (ParameterSet params = new ParameterSet(manager); NDManager m = manager.newSubManager()) {
            Initialization.create(cfg.network(), params, 2);
            SegmentationNetwork net = new SegmentationNetwork(cfg.network(), params, PrototypeTable.initial(cfg.network()));
            SegmentationNetwork.Outputs out = net.forward(OwnedTensors.of(m, pixels(1), new Shape(1, 3, SIZE, SIZE)));
            int[] grid = StageObjective.labelsAt(labels, 1, SIZE, SIZE, out.logits().getShape());
            double ce = CrossEntropyLoss.compute(out.logits(), grid, IGNORE).getFloat();
            double div = JeffreysDiversityLoss.compute(out.distances(), grid, net.prototypes(), 4).getFloat();
            var diversity = new StageObjective(StageObjective.Kind.DIVERSITY, cfg, IGNORE).compute(net, out, labels, 1, SIZE, SIZE);
            assertEquals(List.of("total", "ce", "div"), List.copyOf(diversity.values().keySet()));
            assertEquals(ce + cfg.lambdaDiversity() * div, diversity.values().get("total"), 1e-5);
            var finetune = new StageObjective(StageObjective.Kind.FINETUNE, cfg, IGNORE).compute(net, out, labels, 1, SIZE, SIZE);
            // the initial last layer: -0.5 on every other class's prototype
            int p = cfg.network().numPrototypes();
            double l1 = 0.5 * p * (cfg.network().numClasses() - 1);
            assertEquals(List.of("total", "ce", "l1"), List.copyOf(finetune.values().keySet()));
            assertEquals(l1, finetune.values().get("l1"), 1e-3);
            assertEquals(ce + cfg.lambdaL1() * l1, finetune.values().get("total"), 1e-5);
            assertEquals(StageObjective.Kind.FINETUNE, StageObjective.of(Phase.FINETUNE_AFTER_PRUNE, cfg));
            assertEquals(StageObjective.Kind.GROUPS, StageObjective.of(Phase.GROUP_JOINT, cfg));
            assertEquals(StageObjective.Kind.CROSS_ENTROPY,
                    StageObjective.of(Phase.JOINT, Presets.get("scenes", ModelKind.DEEPLABV2)));
        }
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }
}
