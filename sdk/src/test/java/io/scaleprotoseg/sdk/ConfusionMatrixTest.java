package io.scaleprotoseg.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** mIoU and pixel accuracy of METHOD.md 5 on hand-counted cases. */
class ConfusionMatrixTest {
    @Test
    void iouPerClassMeanAndAccuracyFollowTheDefinitions() {
        ConfusionMatrix m = new ConfusionMatrix(3, 255);
        // truth:  0 0 0 1 1 255 2
        // pred:   0 0 1 1 0 2   0
        m.add(new int[] {0, 0, 0, 1, 1, 255, 2}, new int[] {0, 0, 1, 1, 0, 2, 0});
        double[] iou = m.iou();
        // class 0: TP 2, FN 1, FP 2 (one from class 1, one from class 2) -> 2 / 5
        assertEquals(2.0 / 5, iou[0], 1e-12);
        // class 1: TP 1, FN 1, FP 1 -> 1 / 3
        assertEquals(1.0 / 3, iou[1], 1e-12);
        // class 2: TP 0, union 1 (the void pixel predicted 2 does not count) -> 0
        assertEquals(0, iou[2], 1e-12);
        assertEquals((0.4 + 1.0 / 3 + 0) / 3, m.meanIou(), 1e-12);
        assertEquals(3.0 / 6, m.pixelAccuracy(), 1e-12);
    }

    @Test
    void classesAbsentFromTruthAndPredictionAreLeftOutOfTheMean() {
        ConfusionMatrix m = new ConfusionMatrix(4, 255);
        m.add(new int[] {0, 1}, new int[] {0, 1});
        assertTrue(Double.isNaN(m.iou()[3]));
        assertEquals(1.0, m.meanIou(), 1e-12);
    }

    @Test
    void partitionsMergedInAnyOrderEqualOnePassAndSurviveSerialization() throws Exception {
        java.util.Random rnd = new java.util.Random(7);
        ConfusionMatrix whole = new ConfusionMatrix(5, 255);
        ConfusionMatrix a = new ConfusionMatrix(5, 255);
        ConfusionMatrix b = new ConfusionMatrix(5, 255);
        for (int img = 0; img < 6; img++) {
            int[] t = new int[50];
            int[] p = new int[50];
            for (int i = 0; i < t.length; i++) {
                t[i] = rnd.nextInt(7) == 0 ? 255 : rnd.nextInt(5);
                p[i] = rnd.nextInt(5);
            }
            whole.add(t, p);
            (img % 2 == 0 ? a : b).add(t, p);
        }
        ConfusionMatrix ba = new ConfusionMatrix(5, 255);
        ba.add(b);
        ba.add(a);
        assertEquals(whole, ba);
        assertEquals(whole.meanIou(), ba.meanIou(), 0.0);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(whole);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(whole, in.readObject());
        }
    }

    @Test
    void aPredictionOutsideTheClassesIsRefusedAndAddsNothing() {
        ConfusionMatrix m = new ConfusionMatrix(3, 255);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.add(new int[] {0, 1, 2}, new int[] {0, 1, 3}));
        assertEquals("prediction 3 at pixel 2 is outside 0..2", e.getMessage());
        assertEquals(0, m.labelledPixels());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.add(new ConfusionMatrix(3, 0)));
    }
}
