package io.scaleprotoseg.trainer.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each interpretability measure (METHOD.md 5) on constructed maps with a known answer. */
class AnalysisMetricsTest {
    private static boolean[] mask(String... rows) {
        int w = rows[0].length();
        boolean[] m = new boolean[w * rows.length];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < w; x++) {
                m[y * w + x] = rows[y].charAt(x) == '#';
            }
        }
        return m;
    }

    @Test
    void componentsUseEightConnectivity() {
        boolean[] m = mask(
                "##....",
                "##....",
                "..#..#",
                ".....#");
        ConnectedComponents.Result r = ConnectedComponents.of(m, 6, 4);
        assertEquals(2, r.count(), "the diagonal pixel joins the 2x2 block; the right column is its own");
        assertArrayEquals(new int[] {5, 2}, r.areas());
        assertEquals(3.5, r.meanArea(), 1e-12);
        assertEquals(5.0, r.centroids()[2], 1e-9, "x of the right component");
        assertEquals(2.5, r.centroids()[3], 1e-9, "y of the right component");
        assertEquals(0, ConnectedComponents.of(new boolean[12], 4, 3).count());
    }

    @Test
    void quantilesTopFractionsAndIou() {
        float[] map = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(8, ActivationMaps.quantile(map, 0.8), 0);
        assertArrayEquals(new boolean[] {false, false, false, false, false, false, false, true, true, true},
                ActivationMaps.aboveQuantile(map, 0.8));
        boolean[] top = ActivationMaps.top(map, 0.2);
        assertEquals(2, count(top), "the top 20% of 10 values");
        boolean[] a = mask("##..");
        boolean[] b = mask(".##.");
        assertEquals(1.0 / 3, ActivationMaps.iou(a, b), 1e-12);
        assertEquals(0, ActivationMaps.iou(new boolean[4], new boolean[4]));
    }

    private static int count(boolean[] m) {
        int n = 0;
        for (boolean b : m) {
            n += b ? 1 : 0;
        }
        return n;
    }

    @Test
    void aPartIsPresentWhenTheMapIsOnAtOneOfItsCentroids() {
        // part 1: two blobs (centroids (0.5, 0.5) and (4.5, 0.5)); part 2: one blob at (2, 3)
        int[] parts = {
            1, 1, 0, 0, 1, 1,
            1, 1, 0, 0, 1, 1,
            0, 0, 0, 0, 0, 0,
            0, 0, 2, 0, 0, 0};
        // on over the second blob of part 1 only (centroid rounds to (5, 1)... checked within the blob)
        boolean[] on = mask(
                "....##",
                "....##",
                "......",
                "......");
        assertEquals(Set.of(1), PartPresence.present(on, parts, 6, 4));
        boolean[] onPart2 = mask("......", "......", "......", "..#...");
        assertEquals(Set.of(2), PartPresence.present(onPart2, parts, 6, 4));
        assertEquals(Set.of(), PartPresence.present(mask("......", "......", "###...", "......"), parts, 6, 4));
    }

    @Test
    void consistencyAndStabilityScores() {
        List<Set<Integer>> clean = List.of(Set.of(1), Set.of(1, 2), Set.of(1), Set.of(1), Set.of(2));
        assertEquals(0.8, PartPresence.consistency(clean), 1e-12, "part 1 in 4 of 5 images");
        assertFalse(PartPresence.consistent(clean), "consistent needs more than 80%");
        assertTrue(PartPresence.consistent(List.of(Set.of(3), Set.of(3), Set.of(3, 1))));
        List<Set<Integer>> noisy = List.of(Set.of(1), Set.of(1), Set.of(1), Set.of(), Set.of(2));
        assertEquals(3.0 / 5, PartPresence.stability(clean, noisy), 1e-12);
    }
}
