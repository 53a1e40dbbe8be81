package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.trainer.loss.LabelDownsampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ProtoSeg's pruning (METHOD.md 4): of the 6 nearest candidates, fewer than 3 carrying its class prunes. */
class PruningTest {
    private static final int VOID = 255;

    private static Pruning.Candidate hit(double distance, boolean carries) {
        return new Pruning.Candidate(distance, carries);
    }

    @Test
    void aPrototypeWhoseNearestCandidatesMostlyLackItsClassIsPruned() {
        // 8 images; by distance: 1 no, 2 yes, 3 no, 4 no, 5 yes, 6 no, 8 yes, 9 yes
        List<Pruning.Candidate> nearest = List.of(hit(4, false), hit(1, false), hit(9, true), hit(2, true), hit(3, false),
                hit(6, false), hit(5, true), hit(8, true));
        assertTrue(Pruning.prune(nearest, 6, 3), "two of the six nearest carry the class");
        assertFalse(Pruning.prune(nearest, 6, 2), "threshold 2: two are enough");
        assertFalse(Pruning.prune(nearest, 8, 3), "with k = 8, four carry it");
    }

    @Test
    void theLastPrototypeOfAClassIsKeptTheOneWhoseNeighboursCarryItMost() {
        // rows: class 0 x2, class 1 x3, class 2 x1; every row of class 1 and 2 is pruned by the rule
        int[] classes = {0, 0, 1, 1, 1, 2};
        List<List<Pruning.Candidate>> nearest = List.of(
                List.of(hit(1, true), hit(2, true), hit(3, true)),
                List.of(hit(1, false), hit(2, false), hit(3, false)),
                List.of(hit(1, true), hit(2, false), hit(3, false)),
                List.of(hit(1, true), hit(2, true), hit(3, false), hit(9, true)),
                List.of(hit(1, false), hit(2, true), hit(3, true)),
                List.of(hit(1, false)));
        boolean[] drop = new boolean[classes.length];
        for (int j = 0; j < classes.length; j++) {
            drop[j] = Pruning.prune(nearest.get(j), 3, 3);
        }
        assertEquals("[false, true, true, true, true, true]", Arrays.toString(drop));
        List<Integer> kept = Pruning.spareLastOfClass(classes, nearest, drop, 3);
        // class 0 keeps row 0 anyway; class 1: rows 3 and 4 both have 2 of 3 (row 3's fourth is beyond k), the first wins;
        // class 2: its only row
        assertEquals(List.of(3, 5), kept);
        assertEquals("[false, true, true, false, true, false]", Arrays.toString(drop));
    }

    @Test
    void fewerImagesThanKCountWhatThereIs() {
        assertTrue(Pruning.prune(List.of(hit(1, true), hit(2, true)), 6, 3), "only two candidates at all");
        assertFalse(Pruning.prune(List.of(hit(1, true), hit(2, true), hit(3, true)), 6, 3));
    }

    @Test
    void aCandidateWhoseCentreIsClassBCarriesClassAWhenOnePixelOfItsBlockIsA() {
        // 16 x 16 labels, 2 x 2 grid of 8-pixel blocks; everything class B = 1 but one pixel of class A = 0
        int[] labels = new int[16 * 16];
        Arrays.fill(labels, 1);
        labels[7 * 16 + 0] = 0; // row 7, column 0: inside cell (0, 0), far from its centre
        int[] centre = LabelDownsampler.downsample(labels, 16, 16, 2, 2);
        assertEquals(1, centre[0], "the cell's centre-nearest label is B");
        BitSet[] blocks = Pruning.blockClasses(labels, 16, 16, 2, 2, 3);
        assertEquals(BitSet.valueOf(new long[] {0b11}), blocks[0], "cell (0, 0) holds A and B");
        assertEquals(BitSet.valueOf(new long[] {0b10}), blocks[1], "cell (0, 1) holds B only");
        float[] d = {0.5f, 0.1f, 2f, 3f};
        // for a prototype of class A the nearest candidate is cell 1 (d 0.1), which does not carry A ...
        assertFalse(Pruning.nearest(d, 0, centre, blocks, 0, VOID).carriesClass());
        // ... and with cell 0 nearest, it does, though its centre is B
        float[] d0 = {0.05f, 0.1f, 2f, 3f};
        Pruning.Candidate c = Pruning.nearest(d0, 0, centre, blocks, 0, VOID);
        assertEquals(0.05f, c.distance(), 1e-9);
        assertTrue(c.carriesClass(), "one pixel of class A in the block is enough");
    }

    @Test
    void blocksFollowFloorBoundsOnUnevenGrids() {
        // 10 pixels over 3 cells: columns 0..2, 3..5, 6..9 (floor(j * 10 / 3))
        int[] labels = {0, 0, 1, 2, 2, 2, 3, 3, 3, 4};
        BitSet[] blocks = Pruning.blockClasses(labels, 10, 1, 1, 3, 5);
        assertEquals(BitSet.valueOf(new long[] {0b00011}), blocks[0]);
        assertEquals(BitSet.valueOf(new long[] {0b00100}), blocks[1]);
        assertEquals(BitSet.valueOf(new long[] {0b11000}), blocks[2]);
    }

    @Test
    void voidCentresAreNoCandidatesAndVoidIsNoClass() {
        int[] labels = new int[16 * 16];
        Arrays.fill(labels, VOID);
        labels[0] = 2;
        int[] centre = LabelDownsampler.downsample(labels, 16, 16, 2, 2);
        BitSet[] blocks = Pruning.blockClasses(labels, 16, 16, 2, 2, 3);
        assertTrue(blocks[0].get(2));
        assertEquals(1, blocks[0].cardinality(), "void is not a class");
        assertNull(Pruning.nearest(new float[] {0f, 1f, 2f, 3f}, 0, centre, blocks, 2, VOID),
                "every centre is void: the image has no candidate");
    }

    @Test
    void onSmallObjectsTheBlockRuleKeepsWhatTheCentreRulePrunes() {
        // 8 images of 64 x 64 on an 8 x 8 grid: background class 0 with one 3 x 3 object of class 1 in the
        // top-left corner of cell (2, 3) (pixels 16..18, 24..26), off the cell's centre pixel (20, 28)
        int size = 64;
        int grid = 8;
        int target = 2 * grid + 3;
        List<Pruning.Candidate> block = new ArrayList<>();
        List<Pruning.Candidate> centreRule = new ArrayList<>();
        for (int image = 0; image < 8; image++) {
            int[] labels = new int[size * size];
            for (int y = 16; y < 19; y++) {
                for (int x = 24; x < 27; x++) {
                    labels[y * size + x] = 1;
                }
            }
            int[] centre = LabelDownsampler.downsample(labels, size, size, grid, grid);
            assertEquals(0, centre[target], "the object misses the cell's centre");
            BitSet[] blocks = Pruning.blockClasses(labels, size, size, grid, grid, 2);
            float[] d = new float[grid * grid];
            Arrays.fill(d, 5f);
            d[target] = 0.1f * (image + 1); // the class-1 prototype is nearest to the object's cell
            Pruning.Candidate c = Pruning.nearest(d, 0, centre, blocks, 1, VOID);
            block.add(c);
            centreRule.add(new Pruning.Candidate(c.distance(), centre[target] == 1));
        }
        assertFalse(Pruning.prune(block, 6, 3), "block rule: all six nearest carry the object's class");
        assertTrue(Pruning.prune(centreRule, 6, 3), "centre rule: none does, the prototype would go");
    }
}
