package io.scaleprotoseg.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.trainer.metrics.ConfusionMatrix;
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
}
