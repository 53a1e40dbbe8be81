package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.Sample;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The evidence the demo report gives for a class a model misses, and the chart axis it draws. */
class WeakClassesTest {
    private static final NetworkConfig NET = NetworkConfig.builder(ModelKind.PROTOSEG, 3).depth(ResNetLayout.Depth.R18)
            .widthDivisor(8).build();

    /** 64 x 64: class 0 left of x = 32, class 1 right of it, class 2 a 2-pixel stripe at x = 40..41. */
    private static Sample stripes() {
        int[] labels = new int[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                labels[y * 64 + x] = x == 40 || x == 41 ? 2 : x < 32 ? 0 : 1;
            }
        }
        return new Sample("img", 64, 64, new float[3 * 64 * 64], labels, null);
    }

    private static ModelCard.Prototype at(int id, int cls, int row, int col) {
        return new ModelCard.Prototype(id, cls, 0, new ModelCard.Source("img", row, col, List.of(0, 0, 64, 64)), null);
    }

    @Test
    void prototypesAreJudgedByTheShareOfTheirClassInTheBlockOfTheirCell() {
        Map<String, Sample> train = Map.of("img", stripes());
        // 9 x 9 grid over 64 px: column 5 is the block x = floor(5 * 64 / 9) = 35 .. floor(6 * 64 / 9) - 1 = 41, of which
        // x = 40, 41 are the stripe; column 1 (x = 7..13) is all class 0
        WeakClasses.Prototypes p = WeakClasses.prototypes(List.of(at(3, 2, 4, 5), at(4, 0, 4, 1), at(5, 2, 4, 1)), 2, NET,
                train);
        assertEquals(2, p.count());
        assertEquals((2.0 / 7 + 0) / 2, p.meanClassShare(), 1e-12);
        assertEquals(1.0, WeakClasses.prototypes(List.of(at(4, 0, 4, 1)), 0, NET, train).meanClassShare(), 1e-12);
        // a prototype without a source (imported model) counts, but adds no share
        WeakClasses.Prototypes unknown = WeakClasses.prototypes(List.of(new ModelCard.Prototype(7, 1, 0, null, null)), 1, NET,
                train);
        assertEquals(1, unknown.count());
        assertTrue(Double.isNaN(unknown.meanClassShare()));
    }

    @Test
    void everyCauseTheEvidenceShowsIsNamed() {
        Map<String, WeakClasses.Prototypes> good = new LinkedHashMap<>();
        good.put("protoseg", new WeakClasses.Prototypes(3, 0.9));
        assertEquals("the stride-8 feature grid resolves it poorly: even the right class in every cell would reach IoU 0.31; "
                + "larger images (or crops) raise that ceiling; it is rare (1.0% of the labelled test pixels) and is learned "
                + "late; a longer schedule would help", WeakClasses.cause(0.01, 0.31, good, 8));
        assertTrue(WeakClasses.cause(0.01, 0.8, good, 8).startsWith("it is rare (1.0% of the labelled test pixels)"));
        Map<String, WeakClasses.Prototypes> none = Map.of("protoseg", new WeakClasses.Prototypes(0, Double.NaN));
        assertEquals("protoseg has no prototype of this class left after pruning", WeakClasses.cause(0.2, 0.8, none, 8));
        Map<String, WeakClasses.Prototypes> off = Map.of("scaleprotoseg", new WeakClasses.Prototypes(4, 0.3));
        assertTrue(WeakClasses.cause(0.2, 0.8, off, 8).startsWith("scaleprotoseg's prototypes of this class were projected "
                + "onto feature cells where it covers only 30% of the pixels"));
        assertTrue(WeakClasses.cause(0.2, 0.8, good, 8).startsWith("no data-side cause found"));
    }

    @Test
    void aLogAxisSpansWholeDecadesSoThatItAlwaysHasTwoLabels() {
        assertArrayEquals(new double[] {0.1, 10}, TrainingCurves.decades(0.25, 2.4), 1e-12);
        // within one decade: still two powers of ten
        assertArrayEquals(new double[] {0.1, 1}, TrainingCurves.decades(0.2, 0.9), 1e-12);
        assertArrayEquals(new double[] {1, 10}, TrainingCurves.decades(1, 1), 1e-12);
        assertArrayEquals(new double[] {0.01, 1000}, TrainingCurves.decades(0.05, 180), 1e-9);
    }
}
