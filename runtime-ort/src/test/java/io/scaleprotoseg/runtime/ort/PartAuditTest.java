package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Counterfactual;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The audit's figures against their definitions, part by part: decisive pixels and the mIoU change
 * from a full counterfactual of each part, contributions from the explanations; and two audits
 * merged equal one audit of all images. The images differ in size (larger, smaller, larger again),
 * so one audit's reused working arrays are checked against fresh ones.
 */
class PartAuditTest {
    private static final int W = 49;
    private static final int H = 37;

    @TempDir
    Path dir;

    /** Labels: the model's own mask with a band of pixels relabelled, so that the mIoU is below 1 and changes. */
    private static int[] labels(Segmentation s, int seed) {
        int[] m = s.mask();
        for (int i = seed % 7; i < m.length; i += 7) {
            m[i] = (m[i] + 1) % s.numClasses();
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(value = ModelKind.class, names = {"SCALEPROTOSEG", "PROTOSEG"})
    void everyFigureEqualsItsDefinition(ModelKind kind) throws Exception {
        Path model = TestModels.write(TestModels.model(kind, 41), dir, kind.id());
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            Segmentation[] images = {seg.segment(TestModels.image(W, H, 1), W, H), seg.segment(TestModels.image(31, 23, 2), 31, 23),
                seg.segment(TestModels.image(57, 41, 5), 57, 41)};
            int[][] labels = {labels(images[0], 0), labels(images[1], 3), labels(images[2], 5)};
            PartAudit all = new PartAudit(images[0].card());
            PartAudit first = new PartAudit(images[0].card());
            PartAudit second = new PartAudit(images[0].card());
            for (int i = 0; i < images.length; i++) {
                all.add(images[i], labels[i]);
            }
            first.add(images[0], labels[0]);
            second.add(images[1], labels[1]);
            second.add(images[2], labels[2]);
            first.merge(second);
            List<PartAudit.Part> parts = all.parts();
            List<PartAudit.Part> merged = first.parts();
            int c = images[0].numClasses();
            long decisiveSomewhere = 0;
            for (int k = 0; k < parts.size(); k++) {
                PartAudit.Part p = parts.get(k);
                long[] decisive = new long[c];
                long[] classPixels = new long[c];
                long[] confBase = new long[c * c];
                long[] confWithout = new long[c * c];
                for (int i = 0; i < images.length; i++) {
                    Counterfactual cf = p.group() == null ? images[i].without(Set.of(p.prototypeId()), Set.of())
                            : images[i].without(Set.of(), Set.of(p.group()));
                    int[] before = cf.originalMask();
                    int[] after = cf.mask();
                    for (int px = 0; px < before.length; px++) {
                        classPixels[before[px]]++;
                        decisive[before[px]] += after[px] != before[px] ? 1 : 0;
                        confBase[labels[i][px] * c + before[px]]++;
                        confWithout[labels[i][px] * c + after[px]]++;
                    }
                }
                assertArrayEquals(decisive, p.decisivePixels(), p.name());
                assertArrayEquals(classPixels, p.classPixels(), p.name());
                assertEquals(meanIou(confWithout, c) - meanIou(confBase, c), p.miouChange(), 1e-12, p.name());
                assertEquals(meanIou(confBase, c), all.baseMeanIou(), 1e-12);
                decisiveSomewhere += p.decisiveTotal();
                // merged halves give the same figures
                assertArrayEquals(p.decisivePixels(), merged.get(k).decisivePixels());
                assertEquals(p.miouChange(), merged.get(k).miouChange(), 1e-12);
                for (int cls = 0; cls < c; cls++) {
                    assertEquals(p.meanContribution()[cls], merged.get(k).meanContribution()[cls], 1e-9);
                }
                assertEquals(p.strongest(), merged.get(k).strongest());
            }
            assertTrue(decisiveSomewhere > 0, "some part is decisive somewhere, else the test shows little");

            // mean contribution over the pixels of the class, from the explanation of each pixel
            Segmentation s = images[0];
            PartAudit one = new PartAudit(s.card());
            one.add(s, null);
            int[] mask = s.without(Set.of(), Set.of()).originalMask();
            PartAudit.Part part = one.parts().get(kind == ModelKind.SCALEPROTOSEG ? one.parts().size() - 1 : 0);
            int cls = mask[0];
            double sum = 0;
            long n = 0;
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    if (mask[y * W + x] != cls) {
                        continue;
                    }
                    n++;
                    PixelExplanation e = s.explain(x, y, cls);
                    if (part.group() != null) {
                        for (GroupEvidence g : e.groups()) {
                            if (g.classId() == part.group().classId() && g.index() == part.group().index()) {
                                sum += g.contribution();
                            }
                        }
                    } else {
                        for (PrototypeEvidence pe : e.prototypes()) {
                            if (pe.id() == part.prototypeId()) {
                                sum += pe.contribution();
                            }
                        }
                    }
                }
            }
            assertEquals(sum / n, part.meanContribution()[cls], 1e-6 * Math.max(1, Math.abs(sum / n)), part.name());
            assertTrue(Double.isNaN(one.baseMeanIou()), "no labels, no mIoU");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelKind.class, names = {"DEEPLABV2"})
    void aBlackBoxHasNoParts(ModelKind kind) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PartAudit(TestModels.model(kind, 3).card()));
        assertTrue(e.getMessage().contains("no parts to audit"), e.getMessage());
    }

    private static double meanIou(long[] cm, int c) {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < c; k++) {
            long tp = cm[k * c + k];
            long row = 0;
            long col = 0;
            for (int j = 0; j < c; j++) {
                row += cm[k * c + j];
                col += cm[j * c + k];
            }
            if (row + col - tp > 0) {
                sum += (double) tp / (row + col - tp);
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }
}
