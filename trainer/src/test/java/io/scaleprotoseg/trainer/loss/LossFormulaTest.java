package io.scaleprotoseg.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.trainer.optim.PolyLr;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The losses and schedules of METHOD.md 2-3 against values computed by hand. */
class LossFormulaTest extends DjlTestBase {
    private static double kl(double[] p, double[] q) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += p[i] * Math.log(p[i] / q[i]);
        }
        return s;
    }

    private static double[] softmax(double... v) {
        double z = 0;
        double[] e = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            e[i] = Math.exp(v[i]);
            z += e[i];
        }
        for (int i = 0; i < v.length; i++) {
            e[i] /= z;
        }
        return e;
    }

    @Test
    void diversityOfTwoPrototypesIsExpOfMinusSymmetricKl() {
        // one image, 3 cells: cells 0, 1 of class 0, cell 2 of class 1; prototypes 0, 1 of class 0
        PrototypeTable table = new PrototypeTable(new int[] {0, 1}, new int[] {0, 0}, new int[] {0, 0});
        NDArray d = manager.create(new float[] {0f, 1f, 5f, 1f, 0f, -3f}, new Shape(1, 2, 1, 3));
        double loss = JeffreysDiversityLoss.compute(d, new int[] {0, 0, 1}, table, 1).getFloat();
        double[] q0 = softmax(0, 1);
        double[] q1 = softmax(1, 0);
        double j2 = (kl(q0, q1) + kl(q1, q0)) / 2;
        assertEquals(0.4621172, j2, 1e-6, "hand value: (e-1)/(e+1) * 1");
        assertEquals(Math.exp(-j2), loss, 1e-5);
    }

    @Test
    void diversityUsesTheCellsOfThePrototypesOwnClass() {
        // prototypes 0,1 belong to class 1; only cells labelled 1 (cells 1, 2) count
        PrototypeTable table = new PrototypeTable(new int[] {0, 1}, new int[] {1, 1}, new int[] {0, 0});
        NDArray d = manager.create(new float[] {9f, 0f, 2f, -9f, 2f, 0f}, new Shape(1, 2, 1, 3));
        double loss = JeffreysDiversityLoss.compute(d, new int[] {0, 1, 1}, table, 1).getFloat();
        double[] q0 = softmax(0, 2);
        double[] q1 = softmax(2, 0);
        assertEquals(Math.exp(-(kl(q0, q1) + kl(q1, q0)) / 2), loss, 1e-5);
    }

    @Test
    void diversityPairsOnlyWithinAScaleAndIsZeroWithoutPairs() {
        // two prototypes of class 0 but at different scales: no pair
        PrototypeTable split = new PrototypeTable(new int[] {0, 1}, new int[] {0, 0}, new int[] {0, 1});
        NDArray d = manager.create(new float[] {0f, 1f, 1f, 0f}, new Shape(1, 2, 1, 2));
        assertEquals(0f, JeffreysDiversityLoss.compute(d, new int[] {0, 0}, split, 2).getFloat());
        // same scale but the class has a single labelled cell: no pair either
        PrototypeTable same = new PrototypeTable(new int[] {0, 1}, new int[] {0, 0}, new int[] {0, 0});
        assertEquals(0f, JeffreysDiversityLoss.compute(d, new int[] {0, 255}, same, 1).getFloat());
        // identical distributions: J2 = 0, exp(-0) = 1
        NDArray equal = manager.create(new float[] {0f, 1f, 0f, 1f}, new Shape(1, 2, 1, 2));
        assertEquals(1f, JeffreysDiversityLoss.compute(equal, new int[] {0, 0}, same, 1).getFloat(), 1e-6f);
    }

    @Test
    void aClassOnFewerThanTwoCellsOfAnImageGivesThatImageNoPair() {
        // image 0: class 0 on one cell (no pair); image 1: class 0 on two cells (one pair)
        PrototypeTable table = new PrototypeTable(new int[] {0, 1}, new int[] {0, 0}, new int[] {0, 0});
        NDArray d = manager.create(new float[] {7f, 0f, 9f, 1f, /* image 1 */ 0f, 1f, 1f, 0f}, new Shape(2, 2, 1, 2));
        double loss = JeffreysDiversityLoss.compute(d, new int[] {0, 255, 0, 0}, table, 1).getFloat();
        double[] q0 = softmax(0, 1);
        double[] q1 = softmax(1, 0);
        assertEquals(Math.exp(-(kl(q0, q1) + kl(q1, q0)) / 2), loss, 1e-5, "the mean over image 1's single pair");
    }

    /** Output positions o of in -> out where (o + 0.5) * in / out is an exact integer. */
    private static List<Integer> ties(int in, int out) {
        List<Integer> t = new ArrayList<>();
        for (int o = 0; o < out; o++) {
            if ((long) (2 * o + 1) * in % (2L * out) == 0) {
                t.add(o);
            }
        }
        return t;
    }

    @Test
    void labelDownsamplingTiesAreRareAndTakeTheExactSource() {
        // where the reference's image-library resize may take the neighbouring pixel (LabelDownsampler's docs)
        assertEquals(List.of(3), ties(8, 7));
        assertEquals(4, LabelDownsampler.source(3, 8, 7), "3.5 * 8 / 7 = 4 exactly: pixel 4");
        assertEquals(List.of(64), ties(1024, 129), "Cityscapes rows to the projection grid");
        assertEquals(List.of(128), ties(2048, 257), "Cityscapes columns to the projection grid");
        List<BackboneOp> resnet = ResNetLayout.ops(ResNetLayout.Depth.R101, 1);
        for (int crop : new int[] {321, 513}) {
            int cells = BackboneOp.outputSize(resnet, crop);
            assertEquals(List.of(), ties(crop, cells), "training crop " + crop + " -> " + cells);
        }
        // ADE20K's 512 crops map to 65 cells: the middle row and column tie (32.5 * 512 / 65 = 256)
        assertEquals(65, BackboneOp.outputSize(resnet, 512));
        assertEquals(List.of(32), ties(512, 65));
        // as does every even side over an odd number of cells, e.g. the scenes preset's 96 -> 13
        assertEquals(List.of(6), ties(96, BackboneOp.outputSize(resnet, 96)));
    }

    @Test
    void offClassL1SumsTheOtherClassesWeights() {
        NDArray w = manager.create(new float[] {1f, 2f, -3f, -4f, 5f, 6f}, new Shape(2, 3));
        float l1 = OffClassL1.compute(w, new int[] {0, 0, 1}, manager).getFloat();
        assertEquals(3f + 4f + 5f, l1, 1e-6f);
    }

    @Test
    void crossEntropyIsTheMeanOverNonVoidCells() {
        NDArray logits = manager.create(new float[] {0f, 1f, 2f, /* class 1 */ 1f, 1f, 0f}, new Shape(1, 2, 1, 3));
        float ce = CrossEntropyLoss.compute(logits, new int[] {1, 255, 0}, 255).getFloat();
        double cell0 = -Math.log(Math.exp(1) / (Math.exp(0) + Math.exp(1)));
        double cell2 = -Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(0)));
        assertEquals((cell0 + cell2) / 2, ce, 1e-6);
        assertEquals(0f, CrossEntropyLoss.compute(logits, new int[] {255, 255, 255}, 255).getFloat());
    }

    @Test
    void polyScheduleDecaysToZero() {
        assertEquals(2.5e-4, PolyLr.rate(2.5e-4, 0, 100), 1e-12);
        assertEquals(2.5e-4 * Math.pow(0.5, 0.9), PolyLr.rate(2.5e-4, 50, 100), 1e-12);
        assertEquals(0.535887, PolyLr.rate(1, 5, 10), 1e-6);
        assertEquals(0, PolyLr.rate(1, 10, 10));
    }

    @Test
    void labelsAreDownsampledByTheCentreNearestRule() {
        int[] row = new int[16];
        for (int i = 0; i < 16; i++) {
            row[i] = i;
        }
        // out x=0 -> floor(0.5 * 8) = 4; x=1 -> floor(1.5 * 8) = 12
        assertArrayEquals(new int[] {4, 12}, LabelDownsampler.downsample(row, 16, 1, 2, 1));
        // 321 -> 41: cell 0 -> floor(0.5 * 321 / 41) = 3, cell 40 -> floor(40.5 * 321 / 41) = 317
        assertEquals(3, LabelDownsampler.source(0, 321, 41));
        assertEquals(317, LabelDownsampler.source(40, 321, 41));
        int[] grid = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        assertArrayEquals(new int[] {4}, LabelDownsampler.downsample(grid, 3, 3, 1, 1), "the centre of 3x3");
    }
}
