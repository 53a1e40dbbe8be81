package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.InMemoryDataset;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.data.Palettes;
import io.scaleprotoseg.trainer.data.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Class shares before training, and the one-class collapse a validation reports. */
class ClassSharesTest {
    private static final LabelSpace THREE = new LabelSpace(Palettes.classes(List.of("a", "b", "c"), Palettes.generated(3)), 255);

    /** 64 x 64: class 0 left of x = 32, class 1 right of it, class 2 a 2-pixel stripe at x = 40..41, void the top row. */
    private static Sample sample() {
        int w = 64;
        int h = 64;
        int[] labels = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                labels[y * w + x] = y == 0 ? 255 : x == 40 || x == 41 ? 2 : x < 32 ? 0 : 1;
            }
        }
        return new Sample("s", w, h, new float[3 * w * h], labels, null);
    }

    @Test
    void sharesOfPixelsAndOfGridCellsAndTheCeilingOfTheStride() throws Exception {
        NetworkConfig net = NetworkConfig.builder(ModelKind.DEEPLABV2, 3).depth(ResNetLayout.Depth.R18).widthDivisor(8).build();
        // the DeepLabv2 grid of n pixels has (n - 1) / 8 + 1 cells (321 -> 41): 64 -> 9
        assertArrayEquals(new int[] {9, 9}, MemoryEstimate.featureSize(net, 64, 64));
        ClassShares s = ClassShares.of(new InMemoryDataset("t", THREE, List.of(), List.of(sample())), net, 10);
        assertEquals(1, s.images());
        assertEquals(63.0 / 64, s.labelledShare(), 1e-12);
        assertEquals(32.0 / 64, s.pixelShare()[0], 1e-12);
        assertEquals(30.0 / 64, s.pixelShare()[1], 1e-12);
        assertEquals(2.0 / 64, s.pixelShare()[2], 1e-12);
        // cells sample x (and y) = 3, 10, 17, 24, 32, 39, 46, 53, 60: four columns of class 0, five of class 1; the
        // stripe and the void row are never sampled
        assertEquals(4.0 / 9, s.cellShare()[0], 1e-12);
        assertEquals(5.0 / 9, s.cellShare()[1], 1e-12);
        assertEquals(0, s.cellShare()[2], 1e-12);
        // upsampled, the boundary falls between x = 27 and 28 (grid coordinate 3.5): IoU 28/32, 30/36, and 0 for the stripe
        assertEquals((28.0 / 32 + 30.0 / 36 + 0) / 3, s.perfectGridMiou(), 1e-9);
        assertArrayEquals(new double[] {28.0 / 32, 30.0 / 36, 0}, s.perfectGridIou(), 1e-9);
    }

    @Test
    void theGridSizesTheReadmeGives() {
        NetworkConfig net = NetworkConfig.builder(ModelKind.SCALEPROTOSEG, 3).depth(ResNetLayout.Depth.R101).build();
        // README, "What an explanation means": m = ceil((ceil(n / 2) - 1) / 2) + 1, cells = ceil(m / 2)
        for (int[] nc : new int[][] {{96, 13}, {128, 17}, {64, 9}, {321, 41}, {513, 65}, {1024, 129}, {2048, 257}}) {
            int n = nc[0];
            int m = (Math.floorDiv(n + 1, 2) - 1 + 1) / 2 + 1;
            assertEquals(nc[1], (m + 1) / 2, "formula at " + n);
            assertArrayEquals(new int[] {nc[1], nc[1]}, MemoryEstimate.featureSize(net, n, n), "network at " + n);
        }
        assertArrayEquals(new int[] {129, 257}, MemoryEstimate.featureSize(net, 1024, 2048));
    }

    @Test
    void aValidationThatPredictsOneClassEverywhereSaysWhich() {
        assertEquals(1, new Evaluator.Result(0.2, new double[3], 0.6, 5, new double[] {0.004, 0.995, 0.001}).collapsedTo());
        assertEquals(-1, new Evaluator.Result(0.4, new double[3], 0.7, 5, new double[] {0.3, 0.6, 0.1}).collapsedTo());
        assertTrue(new Evaluator.Result(0, new double[1], 1, 1, new double[] {1.0}).collapsedTo() == 0);
    }
}
