package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DESIGN.md's evidence invariant, on every pixel of a test image: the contributions add up to the
 * class logit, and within a group, the prototypes' weight x g add up to the log of the group
 * activation (1e-4 relative to the magnitude of the terms summed).
 */
class EvidenceInvariantTest {
    private static final int W = 57;
    private static final int H = 41;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Evidence.class, names = {"GROUPS", "FULL"})
    void groupContributionsAddUpToTheLogitAtEveryPixel(Evidence evidence) throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 5), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(evidence).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 9), W, H);
            int checkedPrototypes = 0;
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    for (int cls = 0; cls < s.numClasses(); cls++) {
                        PixelExplanation e = s.explain(x, y, cls);
                        double abs = 0;
                        for (GroupEvidence g : e.groups()) {
                            abs += Math.abs(g.contribution());
                            assertEquals(g.lastLayerWeight() * g.activation(), g.contribution(), 1e-12);
                            if (evidence == Evidence.FULL) {
                                double logA = 0;
                                double termAbs = 0;
                                for (PrototypeEvidence p : g.prototypes()) {
                                    logA += p.contribution();
                                    termAbs += Math.abs(p.contribution());
                                    checkedPrototypes++;
                                }
                                assertTrue(!g.prototypes().isEmpty(), "FULL evidence lists each group's prototypes");
                                assertEquals(Math.log(g.activation()), logA, 1e-4 * termAbs,
                                        "sum of w*g of group " + g.index() + " of class " + g.classId() + " at (" + x + ", " + y + ")");
                            } else {
                                assertTrue(g.prototypes().isEmpty(), "GROUPS evidence carries no prototype g");
                            }
                        }
                        assertEquals(s.numClasses() * 2, e.groups().size(), "every group with a non-zero last-layer weight");
                        assertEquals(e.logit(), e.contributionSum(), 1e-4 * abs,
                                "class " + cls + " at (" + x + ", " + y + ")");
                    }
                    assertEquals(s.classAt(x, y), s.explain(x, y).classId(), "explain(x, y) explains the mask's class");
                }
            }
            assertTrue(evidence == Evidence.GROUPS || checkedPrototypes > 0);
        }
    }

    @Test
    void prototypeContributionsAddUpToTheLogitForProtoSeg() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 6), dir, "ps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 10), W, H);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    PixelExplanation e = s.explain(x, y);
                    assertTrue(e.groups().isEmpty());
                    double abs = 0;
                    for (PrototypeEvidence p : e.prototypes()) {
                        abs += Math.abs(p.contribution());
                        assertEquals(p.weight() * p.g(), p.contribution(), 1e-12);
                    }
                    assertEquals(s.card().prototypes().size(), e.prototypes().size());
                    assertEquals(e.logit(), e.contributionSum(), 1e-4 * abs, "at (" + x + ", " + y + ")");
                }
            }
        }
    }

    @Test
    void explanationsAreSortedAndNameTheNearestCell() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 7), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 11), W, H);
            PixelExplanation e = s.explain(W - 1, H - 1);
            assertEquals(s.featureHeight() - 1, e.cellRow());
            assertEquals(s.featureWidth() - 1, e.cellCol());
            for (int i = 1; i < e.groups().size(); i++) {
                assertTrue(Math.abs(e.groups().get(i - 1).contribution()) >= Math.abs(e.groups().get(i).contribution()));
            }
            assertEquals(s.score(e.classId(), W - 1, H - 1), e.pixelScore(), 1e-5);
            assertThrows(IndexOutOfBoundsException.class, () -> s.explain(W, 0));
        }
    }

    @Test
    void explainWithoutEvidenceSaysHowToGetIt() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 8), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.NONE).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 12), W, H);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.explain(3, 3));
            assertTrue(e.getMessage().contains("Evidence.GROUPS or FULL"), e.getMessage());
            IllegalStateException m = assertThrows(IllegalStateException.class, () -> s.prototypeMap(1));
            assertTrue(m.getMessage().contains("Evidence.FULL"), m.getMessage());
        }
    }
}
