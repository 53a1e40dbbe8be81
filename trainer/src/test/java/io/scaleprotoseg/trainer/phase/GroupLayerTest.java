package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.loss.GroupEntropyLoss;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stage-2 group layer (METHOD.md 1.5, 2) against hand-computed values. */
class GroupLayerTest extends DjlTestBase {
    @Test
    void entropyOfGroupWeightsIsNormalisedByTheUniformRow() {
        // two rows of a class with 3 prototypes
        NDArray w = manager.create(new float[] {0.5f, 0.5f, 0f, 1f, 0f, 0f}, new Shape(2, 3));
        float e = GroupEntropyLoss.compute(w, new int[] {3, 3}, manager).getFloat();
        double row0 = -2 * 0.5 * Math.log(0.5 + 1e-5) / Math.log(3);
        double row1 = -1 * Math.log(1 + 1e-5) / Math.log(3);
        assertEquals((row0 + row1) / 2, e, 1e-6);
        assertEquals(0.6309, (row0 + row1) / 2 * 2, 1e-3, "hand value: ln 2 / ln 3 for the half-half row");
    }

    @Test
    void aRowWhoseClassHasOnePrototypeLeftHasNoEntropyButCountsInTheMean() {
        // after duplicate removal a class can keep a single prototype: its rows are [1], log P_c = 0;
        // the rule is 0 for such a row, with no gradient (the reference divides by log 1 = 0)
        NDArray w = manager.create(new float[] {1f, 0f, 0f, 0f, 0.5f, 0.5f}, new Shape(2, 3));
        w.setRequiresGradient(true);
        double value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray e = GroupEntropyLoss.compute(w, new int[] {1, 2}, manager);
            value = e.getFloat();
            gc.backward(e);
        }
        double row1 = -2 * 0.5 * Math.log(0.5 + 1e-5) / Math.log(2);
        assertEquals(row1 / 2, value, 1e-6, "the mean over both rows, the single-prototype row adding 0");
        float[] grad = w.getGradient().toFloatArray();
        assertEquals(0f, grad[0], 0f, "no gradient on the single prototype's weight");
        assertTrue(Float.isFinite(grad[4]) && grad[4] != 0f);
    }

    @Test
    void neighbouringSeedsDrawUnrelatedGroupLayers() {
        NetworkConfig cfg = config();
        PrototypeTable t = PrototypeTable.initial(cfg);
        int p = t.size();
        for (long seed = 0; seed < 16; seed++) {
            float[] a = GroupLayer.initialDraws(t, 2, 2, seed);
            float[] b = GroupLayer.initialDraws(t, 2, 2, seed + 1);
            // as uniform draws in class order: with the old derivation b's i-th draw was a's (i + 1)-th
            List<Float> ua = new ArrayList<>();
            List<Float> ub = new ArrayList<>();
            for (int row = 0; row < 4; row++) {
                for (int j = 0; j < p; j++) {
                    if (cfg.classOf(j) == row / 2) {
                        ua.add(a[row * p + j]);
                        ub.add(b[row * p + j]);
                    }
                }
            }
            int shifted = 0;
            for (int i = 0; i + 1 < ua.size(); i++) {
                if (ub.get(i).equals(ua.get(i + 1))) {
                    shifted++;
                }
            }
            assertEquals(0, shifted, "seed " + (seed + 1) + " replays seed " + seed);
            assertArrayEquals(a, GroupLayer.initialDraws(t, 2, 2, seed), "the same seed draws the same layer");
        }
    }

    private static NetworkConfig config() {
        return new NetworkConfig(ModelKind.SCALEPROTOSEG, ResNetLayout.Depth.R18, 8, 2,
                new int[] {1, 2}, 2, 4, 2, List.of());
    }

    @Test
    void groupActivationIsExpOfTheWeightedLogActivations() {
        NetworkConfig cfg = config();
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 1);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            GroupLayer.create(net, 2, 1);
            assertFalse(p.contains("last_layer"), "the stage-1 last layer is discarded");
            float[] gw = p.floats(SegmentationNetwork.GROUP_WEIGHTS);
            int pa = cfg.numPrototypes();
            for (int row = 0; row < 4; row++) {
                double sum = 0;
                for (int j = 0; j < pa; j++) {
                    if (cfg.classOf(j) != row / 2) {
                        assertEquals(0f, gw[row * pa + j], "zero outside the group's class");
                    }
                    assertTrue(gw[row * pa + j] >= 0);
                    sum += gw[row * pa + j];
                }
                assertEquals(1, sum, 1e-6, "rows start on the simplex");
            }
            assertArrayEquals(new float[] {1f, 1f, -0.5f, -0.5f, -0.5f, -0.5f, 1f, 1f},
                    p.floats(SegmentationNetwork.GROUP_LAST_LAYER), "group last layer 1 / -0.5");
            SegmentationNetwork.Outputs o = net.forward(manager.randomUniform(0, 1, new Shape(1, 3, 24, 24)));
            float[] g = o.activations().toFloatArray();
            float[] a = o.groups().toFloatArray();
            float[] logits = o.logits().toFloatArray();
            int cells = (int) (o.groups().getShape().get(2) * o.groups().getShape().get(3));
            assertEquals(16, cells, "24 -> 4x4 at output stride 8 (ceil-mode pooling: 24 -> 12 -> 7 -> 4)");
            for (int cell = 0; cell < cells; cell++) {
                double[] act = new double[4];
                for (int row = 0; row < 4; row++) {
                    double s = 0;
                    for (int j = 0; j < pa; j++) {
                        s += gw[row * pa + j] * g[j * cells + cell];
                    }
                    act[row] = Math.exp(s);
                    assertEquals(act[row], a[row * cells + cell], 1e-4 * act[row]);
                }
                assertEquals(act[0] + act[1] - 0.5 * act[2] - 0.5 * act[3], logits[cell], 1e-4 * (1 + Math.abs(logits[cell])));
            }
        }
    }

    @Test
    void thresholdingZeroesExactlyTheSmallWeightsAndDoesNotRenormalise() {
        NetworkConfig cfg = config();
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 2);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            GroupLayer.create(net, 2, 2);
            int pa = cfg.numPrototypes();
            float[] w = new float[4 * pa];
            // class 0 prototypes are 0, 1 (scale 0) and 4, 5 (scale 1); class 1: 2, 3, 6, 7
            float[][] rows = {{0.5f, 0.3f, 0.04f, 0.16f}, {0.96f, 0.04f, 0f, 0f}, {0.25f, 0.25f, 0.25f, 0.25f},
                {0.049f, 0.051f, 0.9f, 0f}};
            int[][] cols = {{0, 1, 4, 5}, {0, 1, 4, 5}, {2, 3, 6, 7}, {2, 3, 6, 7}};
            for (int r = 0; r < 4; r++) {
                for (int i = 0; i < 4; i++) {
                    w[r * pa + cols[r][i]] = rows[r][i];
                }
            }
            p.set(SegmentationNetwork.GROUP_WEIGHTS, w);
            List<Integer> inactive = GroupLayer.threshold(net, 0.05);
            float[] after = p.floats(SegmentationNetwork.GROUP_WEIGHTS);
            assertArrayEquals(new float[] {0.5f, 0.3f, 0f, 0f, 0f, 0.16f, 0f, 0f}, Arrays.copyOfRange(after, 0, pa),
                    "0.04 is zeroed, the row now sums to 0.96");
            assertEquals(0f, after[pa + 1], "0.04 of row 1 is zeroed");
            assertEquals(0f, after[3 * pa + 2], "0.049 is below 0.05");
            assertEquals(0.051f, after[3 * pa + 3], "0.051 stays");
            assertEquals(0.16f, after[5], "0.16 on prototype 5 stays");
            assertEquals(List.of(4), inactive, "prototype 4 has no weight left in any group");
        }
    }
}
