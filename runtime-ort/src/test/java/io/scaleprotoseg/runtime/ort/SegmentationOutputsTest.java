package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Areas, overlays, heat maps, JSON, and which outputs each evidence level asks for. */
class SegmentationOutputsTest {
    private static final int W = 48;
    private static final int H = 36;

    @TempDir
    Path dir;

    @Test
    void eachEvidenceLevelRequestsOnlyTheOutputsItNeeds() throws Exception {
        Path sps = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 91), dir, "sps");
        Path ps = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 92), dir, "ps");
        assertEquals(EnumSet.of(ModelOutput.MASK, ModelOutput.LOGITS), requested(sps, Evidence.NONE));
        assertEquals(EnumSet.of(ModelOutput.MASK, ModelOutput.LOGITS, ModelOutput.GROUP_ACTIVATIONS),
                requested(sps, Evidence.GROUPS));
        assertEquals(EnumSet.allOf(ModelOutput.class), requested(sps, Evidence.FULL));
        assertEquals(EnumSet.of(ModelOutput.MASK, ModelOutput.LOGITS, ModelOutput.PROTOTYPE_ACTIVATIONS),
                requested(ps, Evidence.GROUPS));
    }

    @Test
    void theDefaultEvidenceIsGroupsForPrototypeModelsAndNoneForTheBlackBox() throws Exception {
        Path sps = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 95), dir, "sps");
        Path dl = TestModels.write(TestModels.model(ModelKind.DEEPLABV2, 96), dir, "dl");
        Segmenter.Builder b = Segmenter.builder().backend(Backend.ORT_CPU);
        try (Segmenter a = b.model(sps).build(); Segmenter c = b.model(dl).build()) {
            assertEquals(Evidence.GROUPS, a.evidence());
            assertEquals(Evidence.NONE, c.evidence());
        }
    }

    private static Set<ModelOutput> requested(Path model, Evidence e) throws Exception {
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(e).build()) {
            return s.requestedOutputs();
        }
    }

    @Test
    void areasOverlaysHeatMapsAndJsonAgreeWithTheMask() throws Exception {
        Path sps = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 93), dir, "sps");
        BufferedImage img = ImageFixtures.rgb(TestModels.image(W, H, 4), W, H);
        try (Segmenter seg = Segmenter.builder().model(sps).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            Segmentation s = seg.segment(img);
            long[] areas = s.classAreas();
            long total = 0;
            for (long a : areas) {
                total += a;
            }
            assertEquals((long) W * H, total);
            int[] mask = s.mask();
            BufferedImage colours = s.colorMask();
            BufferedImage opaque = s.colorOverlay(img, 1.0);
            BufferedImage clear = s.colorOverlay(img, 0.0);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    int expected = s.card().classes().get(mask[y * W + x]).rgb();
                    assertEquals(expected, colours.getRGB(x, y) & 0xffffff);
                    assertEquals(expected, opaque.getRGB(x, y) & 0xffffff);
                    assertEquals(img.getRGB(x, y) & 0xffffff, clear.getRGB(x, y) & 0xffffff);
                }
            }
            float[] heat = s.groupMap(0, 0);
            int hottest = 0;
            for (int i = 1; i < heat.length; i++) {
                if (heat[i] > heat[hottest]) {
                    hottest = i;
                }
            }
            BufferedImage heatImg = s.heatMapOverlay(img, heat, 1.0);
            assertEquals(0xfcffa4, heatImg.getRGB(hottest % W, hottest / W) & 0xffffff, "the maximum is the brightest colour");
            assertThrows(IllegalArgumentException.class, () -> s.groupMap(0, 7), "inactive group");
            assertThrows(IllegalArgumentException.class, () -> s.prototypeMap(0), "prototype ids are not channels");

            JsonNode json = new ObjectMapper().readTree(s.toJson(3));
            assertEquals(W, json.get("width").asInt());
            assertEquals("ort-cpu", json.get("backend").asText());
            long jsonTotal = 0;
            for (JsonNode c : json.get("classes")) {
                jsonTotal += c.get("pixels").asLong();
                assertEquals(areas[c.get("id").asInt()], c.get("pixels").asLong());
                assertTrue(c.get("topGroups").size() <= 3 && c.get("topGroups").size() > 0);
                assertTrue(c.get("topPrototypes").size() > 0);
            }
            assertEquals((long) W * H, jsonTotal);
            JsonNode explanation = new ObjectMapper().readTree(s.explain(5, 5).toJson());
            assertEquals(s.classAt(5, 5), explanation.get("classId").asInt());
            assertTrue(explanation.get("groups").get(0).get("prototypes").get(0).has("g"));
            assertNull(explanation.get("groups").get(0).get("prototypes").get(0).get("info"), "patches stay out of JSON");
        }
    }

    /** Overlay pixels follow round(image x (1 - alpha) + colour x alpha) per channel whatever the image's type. */
    @Test
    void theColourOverlayBlendsEveryImageTypeByItsFormula() throws Exception {
        Path sps = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 97), dir, "sps");
        BufferedImage rgb = ImageFixtures.rgb(TestModels.image(W + 4, H, 6), W + 4, H);
        List<BufferedImage> bases = new ArrayList<>();
        for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_ARGB,
                BufferedImage.TYPE_BYTE_GRAY}) {
            BufferedImage b = new BufferedImage(W + 4, H, type);
            b.createGraphics().drawImage(rgb, 0, 0, null);
            bases.add(copyOf(b, W, H));
            bases.add(b.getSubimage(4, 0, W, H)); // a view into a larger raster
        }
        try (Segmenter seg = Segmenter.builder().model(sps).backend(Backend.ORT_CPU).build()) {
            Segmentation s = seg.segment(bases.get(0));
            int[] mask = s.mask();
            double alpha = 0.3;
            for (BufferedImage base : bases) {
                BufferedImage o = s.colorOverlay(base, alpha);
                String what = "image type " + base.getType() + (base.getRaster().getParent() != null ? " (sub-image)" : "");
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        int src = base.getRGB(x, y);
                        int c = s.card().classes().get(mask[y * W + x]).rgb();
                        int expected = 0;
                        for (int shift = 16; shift >= 0; shift -= 8) {
                            int v = (int) Math.round(((src >> shift) & 0xff) * (1 - alpha) + ((c >> shift) & 0xff) * alpha);
                            expected |= v << shift;
                        }
                        assertEquals(expected, o.getRGB(x, y) & 0xffffff, what + " at " + x + "," + y);
                    }
                }
            }
        }
    }

    private static BufferedImage copyOf(BufferedImage b, int w, int h) {
        BufferedImage c = new BufferedImage(w, h, b.getType());
        c.setData(b.getRaster().createChild(0, 0, w, h, 0, 0, null));
        return c;
    }

    /** A class's mean group contribution in the JSON summary is the mean over its pixels of explain()'s contribution. */
    @Test
    void theSummarysMeanContributionsAreTheMeansOfThePixelExplanations() throws Exception {
        Path sps = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 98), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(sps).backend(Backend.ORT_CPU).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 8), W, H);
            int checked = 0;
            for (Segmentation.ClassSummary c : s.summary(1000).classes()) {
                for (Segmentation.GroupSummary g : c.topGroups()) {
                    double sum = 0;
                    for (int y = 0; y < H; y++) {
                        for (int x = 0; x < W; x++) {
                            if (s.classAt(x, y) != c.id()) {
                                continue;
                            }
                            for (GroupEvidence e : s.explain(x, y).groups()) {
                                if (e.classId() == g.classId() && e.index() == g.index()) {
                                    sum += e.contribution();
                                }
                            }
                        }
                    }
                    double mean = sum / c.pixels();
                    assertEquals(mean, g.meanContribution(), 1e-6 * Math.max(1, Math.abs(mean)),
                            "class " + c.id() + ", group " + g.classId() + ":" + g.index());
                    checked++;
                }
            }
            assertTrue(checked > 3, "groups compared: " + checked);
        }
    }

    @Test
    void resultsAreImmutableCopies() throws Exception {
        Path sps = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 94), dir, "sps");
        float[] img = TestModels.image(W, H, 5);
        try (Segmenter seg = Segmenter.builder().model(sps).backend(Backend.ORT_CPU).build()) {
            Segmentation s = seg.segment(img, W, H);
            int[] mask = s.mask();
            mask[0] = -1;
            assertTrue(s.mask()[0] >= 0, "mask() returns a copy");
            float[] before = s.logits();
            img[0] = 0.123f;
            seg.segment(img, W, H);
            assertArrayEquals(before, s.logits(), "a later call does not touch an earlier result");
        }
    }
}
