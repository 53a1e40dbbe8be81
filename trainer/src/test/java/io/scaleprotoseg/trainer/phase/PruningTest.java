package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** ProtoSeg's pruning rule (METHOD.md 4): of the 6 nearest patches, fewer than 3 of its class prunes. */
class PruningTest {
    private static double[] hit(double distance, int label) {
        return new double[] {distance, label};
    }

    @Test
    void aPrototypeWhoseNearestPatchesAreMostlyOtherClassesIsPruned() {
        // 8 images; the 6 nearest are (by distance) 1: class 2, 2: class 1, 3: class 2, 4: class 2, 5: class 1, 6: class 2
        List<double[]> nearest = List.of(hit(4, 2), hit(1, 2), hit(9, 1), hit(2, 1), hit(3, 2), hit(6, 2), hit(5, 1),
                hit(8, 1));
        assertTrue(Pruning.prune(nearest, 1, 6, 3), "two of the six nearest are class 1");
        assertFalse(Pruning.prune(nearest, 2, 6, 3), "four of the six nearest are class 2");
        assertFalse(Pruning.prune(nearest, 1, 8, 3), "with k = 8, four are class 1");
    }

    @Test
    void fewerImagesThanKCountWhatThereIs() {
        assertTrue(Pruning.prune(List.of(hit(1, 0), hit(2, 0)), 0, 6, 3), "only two patches at all");
        assertFalse(Pruning.prune(List.of(hit(1, 0), hit(2, 0), hit(3, 0)), 0, 6, 3));
    }
}
