package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evidence on the feature grid: the arrays the maps and explanations are made from, with their layout. */
class FeatureGridEvidenceTest {
    private static final int W = 57;
    private static final int H = 41;

    @TempDir
    Path dir;

    @Test
    void gridArraysAreWhatMapsUpsampleAndWhatExplanationsReadAtTheNearestCell() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 5), dir, "sps");
        // under resizing too: the grid maps straight to the original image
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL)
                .inputSizing(InputSizing.fixed(40, 32)).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 9), W, H);
            FeatureGrid g = s.featureGrid();
            assertEquals(new FeatureGrid(s.featureHeight(), s.featureWidth(), W, H), g);
            float[] groups = s.groupActivations();
            float[] protos = s.prototypeActivations();
            assertEquals(s.card().groups().size() * g.cells(), groups.length);
            assertEquals(s.card().prototypes().size() * g.cells(), protos.length);
            for (int k = 0; k < s.card().groups().size(); k++) {
                var group = s.card().groups().get(k);
                float[] map = s.groupMap(group.classId(), group.index());
                for (int y = 0; y < H; y += 4) {
                    for (int x = 0; x < W; x += 4) {
                        assertEquals(upsampled(groups, k, g, x, y), map[y * W + x], 1e-5, "channel k is the card's group k");
                    }
                }
            }
            for (int j = 0; j < s.card().prototypes().size(); j++) {
                float[] map = s.prototypeMap(s.card().prototypes().get(j).id());
                for (int y = 0; y < H; y += 4) {
                    for (int x = 0; x < W; x += 4) {
                        assertEquals(upsampled(protos, j, g, x, y), map[y * W + x], 1e-5, "channel j is the card's prototype j");
                    }
                }
            }
            float[] logits = s.logits();
            for (int y = 0; y < H; y += 5) {
                for (int x = 0; x < W; x += 3) {
                    int cell = g.row(y) * g.columns() + g.column(x);
                    PixelExplanation e = s.explain(x, y);
                    assertEquals(logits[e.classId() * g.cells() + cell], e.logit(), 1e-6);
                    for (GroupEvidence ge : e.groups()) {
                        assertEquals(groups[ge.channel() * g.cells() + cell], ge.activation(), 1e-6);
                        for (PrototypeEvidence pe : ge.prototypes()) {
                            assertEquals(protos[pe.channel() * g.cells() + cell], pe.g(), 1e-6);
                        }
                    }
                }
            }
            groups[0] = Float.NaN;
            assertFalse(Float.isNaN(s.groupActivations()[0]), "a copy");
        }
    }

    /** Bilinear between cell centres, clamped at the edges (FeatureGrid's documented convention). */
    private static double upsampled(float[] a, int channel, FeatureGrid g, int x, int y) {
        double sx = Math.max(0, (x + 0.5) * g.columns() / g.imageWidth() - 0.5);
        double sy = Math.max(0, (y + 0.5) * g.rows() / g.imageHeight() - 0.5);
        int x0 = Math.min((int) sx, g.columns() - 1);
        int y0 = Math.min((int) sy, g.rows() - 1);
        int x1 = Math.min(x0 + 1, g.columns() - 1);
        int y1 = Math.min(y0 + 1, g.rows() - 1);
        double fx = sx - x0;
        double fy = sy - y0;
        int base = channel * g.cells();
        double top = a[base + y0 * g.columns() + x0] * (1 - fx) + a[base + y0 * g.columns() + x1] * fx;
        double bottom = a[base + y1 * g.columns() + x0] * (1 - fx) + a[base + y1 * g.columns() + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    @Test
    void askingForActivationsTheResultDoesNotCarryExplainsWhatToDo() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 6), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 2), W, H);
            s.groupActivations();
            IllegalStateException e = assertThrows(IllegalStateException.class, s::prototypeActivations);
            assertTrue(e.getMessage().contains("Evidence.FULL"), e.getMessage());
        }
        Path ps = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 7), dir, "ps");
        try (Segmenter seg = Segmenter.builder().model(ps).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 2), W, H);
            assertEquals(s.card().prototypes().size() * s.featureGrid().cells(), s.prototypeActivations().length);
            IllegalStateException e = assertThrows(IllegalStateException.class, s::groupActivations);
            assertTrue(e.getMessage().contains("ScaleProtoSeg"), e.getMessage());
        }
    }
}
