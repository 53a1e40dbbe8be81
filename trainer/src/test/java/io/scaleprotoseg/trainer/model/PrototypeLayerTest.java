package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Distances, activations and the last-layer initialisation against hand-computed values (METHOD.md 1.3, 1.4). */
class PrototypeLayerTest extends DjlTestBase {
    private static NetworkConfig config(ModelKind kind, int classes, int dilations, int k, int dim) {
        int[] d = new int[dilations];
        for (int i = 0; i < dilations; i++) {
            d[i] = i + 1;
        }
        return new NetworkConfig(kind, ResNetLayout.Depth.R18, 64, classes, d, k, dim, 2, List.of());
    }

    @Test
    void distancesAreRestrictedToTheirScaleAndActivationsFollowTheFormula() {
        NetworkConfig cfg = config(ModelKind.SCALEPROTOSEG, 1, 2, 1, 2);
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 1);
            // prototype 0 (scale 0) = (0.5, 0.25), prototype 1 (scale 1) = (1, 0)
            p.set("prototypes", new float[] {0.5f, 0.25f, 1f, 0f});
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            // z: [1, S*D = 4, 1, 2]; cell 0 = (0.5, 0.25 | 0, 1), cell 1 = (0, 0 | 1, 0)
            NDArray z = manager.create(new float[] {0.5f, 0f, 0.25f, 0f, 0f, 1f, 1f, 0f}, new Shape(1, 4, 1, 2));
            float[] d = net.distances(z).toFloatArray();
            // layout [1, P=2, 1, 2]: d[j][cell]
            assertArrayEquals(new float[] {0f, 0.3125f, 2f, 0f}, d, 1e-6f);
            double g0 = Math.log((0 + 1) / (0 + 1e-4));
            double g1 = Math.log((2 + 1) / (2 + 1e-4));
            assertEquals(9.2103404, g0, 1e-6);
            assertEquals(0.4054151, g1, 1e-6);
        }
    }

    @Test
    void forwardComputesLogitsFromActivationsThroughTheLastLayer() {
        NetworkConfig cfg = config(ModelKind.PROTOSEG, 2, 2, 2, 4);
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 3);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            NDArray img = manager.randomUniform(0, 1, new Shape(1, 3, 33, 33));
            SegmentationNetwork.Outputs o = net.forward(img);
            assertEquals(new Shape(1, 4, 5, 5), o.distances().getShape(), "33 -> 5 at output stride 8, P = C * K = 4");
            float[] d = o.distances().toFloatArray();
            float[] g = o.activations().toFloatArray();
            for (int i = 0; i < d.length; i++) {
                assertEquals(Math.log((d[i] + 1) / (d[i] + 1e-4)), g[i], 1e-4);
            }
            float[] logits = o.logits().toFloatArray();
            float[] w = Initialization.classIdentity(cfg);
            for (int c = 0; c < 2; c++) {
                for (int cell = 0; cell < 25; cell++) {
                    double sum = 0;
                    for (int j = 0; j < 4; j++) {
                        sum += w[c * 4 + j] * g[j * 25 + cell];
                    }
                    assertEquals(sum, logits[c * 25 + cell], 1e-4);
                }
            }
        }
    }

    @Test
    void lastLayerStartsAtOneForOwnClassAndMinusHalfElsewhere() {
        NetworkConfig cfg = config(ModelKind.SCALEPROTOSEG, 3, 2, 2, 4);
        float[] w = Initialization.classIdentity(cfg);
        int p = cfg.numPrototypes();
        assertEquals(12, p);
        // prototype 7 = scale 1, class (7 % 6) / 2 = 0
        assertEquals(0, cfg.classOf(7));
        assertEquals(1, cfg.scaleOf(7));
        assertEquals(1f, w[0 * p + 7]);
        assertEquals(-0.5f, w[1 * p + 7]);
        assertEquals(1f, w[2 * p + 5], "prototype 5 = scale 0, class 2");
    }
}
