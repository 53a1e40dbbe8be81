package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.internal.TileStitcher;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiled inference ({@link InputSizing#tiled}): identical to whole-image inference for images that
 * fit in a tile; stitched evidence that is, cell for cell, some covering tile's own result, with the
 * explanation identities at every pixel; blended logits inside the covering tiles' range; bad
 * settings named.
 */
class TiledInferenceTest {
    private static final int TILE = 64;
    private static final int OVERLAP = 16;

    @TempDir
    Path dir;

    @Test
    void imagesThatFitInATileAreExactlyWholeImageInference() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 41), dir, "sps");
        try (Segmenter whole = open(model, InputSizing.keep()); Segmenter tiled = open(model, InputSizing.tiled(TILE, OVERLAP))) {
            for (int[] size : new int[][] {{TILE, TILE}, {57, 41}, {TILE, 33}}) {
                float[] img = TestModels.image(size[0], size[1], 7);
                Segmentation a = whole.segment(img, size[0], size[1]);
                Segmentation b = tiled.segment(img, size[0], size[1]);
                assertEquals(1, b.tiles());
                assertArrayEquals(a.mask(), b.mask());
                assertArrayEquals(a.logits(), b.logits());
                assertArrayEquals(a.groupActivations(), b.groupActivations());
                assertArrayEquals(a.prototypeActivations(), b.prototypeActivations());
            }
        }
    }

    @Test
    void stitchedEvidenceIsEachCellsDecidingTileAndItsIdentitiesHoldAtEveryPixel() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 42), dir, "sps");
        int w = 150;
        int h = 90;
        float[] img = TestModels.image(w, h, 8);
        try (Segmenter whole = open(model, InputSizing.keep()); Segmenter tiled = open(model, InputSizing.tiled(TILE, OVERLAP))) {
            Segmentation s = tiled.segment(img, w, h);
            TileStitcher layout = new TileStitcher(w, h, TILE, OVERLAP);
            assertEquals(layout.tiles(), s.tiles());
            assertEquals(3 * 2, s.tiles(), "150 = 3 tiles of 64 overlapping by >= 16, 90 = 2");
            assertEquals(TILE, s.networkWidth());
            // each tile run on its own, at its own size
            List<int[]> origins = new ArrayList<>();
            List<Segmentation> runs = new ArrayList<>();
            for (int y0 : layout.ys()) {
                for (int x0 : layout.xs()) {
                    origins.add(new int[] {x0, y0});
                    runs.add(whole.segment(crop(img, w, h, x0, y0, TILE, TILE), TILE, TILE));
                }
            }
            int rows = s.featureGrid().rows();
            int cols = s.featureGrid().columns();
            int cells = rows * cols;
            int c = s.numClasses();
            float[] blended = s.logits();
            float[] groups = s.groupActivations();
            float[] protos = s.prototypeActivations();
            int ga = groups.length / cells;
            int pa = protos.length / cells;
            int overlapped = 0;
            for (int r = 0; r < rows; r++) {
                for (int q = 0; q < cols; q++) {
                    double cy = (r + 0.5) * h / rows;
                    double cx = (q + 0.5) * w / cols;
                    int matches = 0;
                    int covering = 0;
                    float[] lo = new float[c];
                    float[] hi = new float[c];
                    java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
                    java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
                    for (int t = 0; t < runs.size(); t++) {
                        double dx = cx - origins.get(t)[0];
                        double dy = cy - origins.get(t)[1];
                        if (dx < 0 || dx >= TILE || dy < 0 || dy >= TILE) {
                            continue;
                        }
                        covering++;
                        Segmentation run = runs.get(t);
                        int fh = run.featureGrid().rows();
                        int fw = run.featureGrid().columns();
                        int local = (int) (dy * fh / TILE) * fw + (int) (dx * fw / TILE);
                        float[] tg = run.groupActivations();
                        float[] tp = run.prototypeActivations();
                        boolean same = true;
                        for (int k = 0; k < ga && same; k++) {
                            same = groups[k * cells + r * cols + q] == tg[k * fh * fw + local];
                        }
                        for (int k = 0; k < pa && same; k++) {
                            same = protos[k * cells + r * cols + q] == tp[k * fh * fw + local];
                        }
                        matches += same ? 1 : 0;
                        float[] tl = run.logits();
                        for (int k = 0; k < c; k++) {
                            lo[k] = Math.min(lo[k], tl[k * fh * fw + local]);
                            hi[k] = Math.max(hi[k], tl[k * fh * fw + local]);
                        }
                    }
                    assertTrue(covering >= 1, "cell " + r + "," + q + " is covered");
                    assertTrue(matches >= 1, "cell " + r + "," + q + "'s evidence is some covering tile's own, bit for bit");
                    overlapped += covering > 1 ? 1 : 0;
                    for (int k = 0; k < c; k++) {
                        float v = blended[k * cells + r * cols + q];
                        float slack = 1e-5f * Math.max(1, Math.abs(v));
                        assertTrue(v >= lo[k] - slack && v <= hi[k] + slack,
                                "blended logit of class " + k + " at cell " + r + "," + q + " lies between its tiles' values");
                        if (covering == 1) {
                            assertEquals(lo[k], v, slack, "outside overlaps the blend is the one tile's logit");
                        }
                    }
                }
            }
            assertTrue(overlapped > 0, "some cells lie in overlaps");
            // the identities of every explanation, at every pixel
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    PixelExplanation e = s.explain(x, y);
                    double abs = 0;
                    for (GroupEvidence g : e.groups()) {
                        abs += Math.abs(g.contribution());
                        double logA = 0;
                        double termAbs = 0;
                        for (PrototypeEvidence p : g.prototypes()) {
                            logA += p.contribution();
                            termAbs += Math.abs(p.contribution());
                        }
                        assertEquals(Math.log(g.activation()), logA, 1e-4 * termAbs, "group identity at (" + x + ", " + y + ")");
                    }
                    assertEquals(e.logit(), e.contributionSum(), 1e-4 * abs, "logit identity at (" + x + ", " + y + ")");
                    assertEquals(s.classAt(x, y), e.classId());
                    assertEquals(s.score(e.classId(), x, y), e.pixelScore(), 1e-6);
                }
            }
            // the mask is the argmax of the blended logits; an empty removal changes nothing
            assertArrayEquals(s.featureGrid().argmaxUpsampled(blended, c), s.mask());
            assertEquals(0, s.without(Set.of(), Set.of()).changedPixels());
        }
    }

    @Test
    void aBufferedImageTilesLikeItsFloatPixels() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 43), dir, "sps");
        int w = 200;
        int h = 130;
        float[] img = ImageFixtures.chw(ImageFixtures.rgb(TestModels.image(w, h, 9), w, h));
        try (Segmenter tiled = open(model, InputSizing.tiled(96, 24))) {
            Segmentation a = tiled.segment(img, w, h);
            Segmentation b = tiled.segment(ImageFixtures.rgb(img, w, h));
            Segmentation c = tiled.segmentAll(List.of(ImageFixtures.rgb(img, w, h))).get(0);
            assertEquals(3 * 2, a.tiles());
            assertArrayEquals(a.mask(), b.mask());
            assertArrayEquals(a.logits(), b.logits());
            assertArrayEquals(a.groupActivations(), b.groupActivations());
            assertArrayEquals(a.mask(), c.mask());
            // frame sequences tile as single images do
            List<Segmentation> frames = new ArrayList<>();
            tiled.segmentFrames(List.of(ImageFixtures.rgb(img, w, h), ImageFixtures.rgb(img, w, h)).iterator(),
                    (index, frame, result) -> frames.add(result));
            assertEquals(2, frames.size());
            for (Segmentation f : frames) {
                assertEquals(a.tiles(), f.tiles());
                assertArrayEquals(a.mask(), f.mask());
                assertArrayEquals(a.groupActivations(), f.groupActivations());
            }
            // the buffer-reading paths (8-bit BGR, ABGR, RGB, ARGB) and the sub-image path (BGR ints) agree
            for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_RGB,
                BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_BGR}) {
                BufferedImage typed = new BufferedImage(w, h, type);
                typed.getGraphics().drawImage(ImageFixtures.rgb(img, w, h), 0, 0, null);
                Segmentation t = tiled.segment(typed);
                assertArrayEquals(a.logits(), t.logits(), "image type " + type);
                assertArrayEquals(a.groupActivations(), t.groupActivations(), "image type " + type);
            }
        }
    }

    @Test
    void badTileSettingsAreNamed() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputSizing.tiled(64, 32));
        assertTrue(e.getMessage().startsWith("overlap 32 must be at least 0 and less than half the tile (64 pixels)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InputSizing.parse("tile:64:x"));
        assertTrue(e.getMessage().contains("tile:SIZE[:OVERLAP]"), e.getMessage());
        assertEquals(InputSizing.tiled(513, 64).toString(), InputSizing.parse("tile:513:64").toString());
        assertEquals(8, InputSizing.parse("tile:64").overlap());
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 44), dir, "sps");
        e = assertThrows(IllegalArgumentException.class, () -> open(model, InputSizing.tiled(16, 0)).close());
        assertTrue(e.getMessage().contains("tileSize 16 is smaller than 32 pixels"), e.getMessage());
    }

    private static Segmenter open(Path model, InputSizing sizing) throws Exception {
        return Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL).intraOpThreads(1)
                .inputSizing(sizing).build();
    }

    private static float[] crop(float[] chw, int w, int h, int x0, int y0, int cw, int ch) {
        float[] out = new float[3 * cw * ch];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < ch; y++) {
                System.arraycopy(chw, (c * h + y0 + y) * w + x0, out, (c * ch + y) * cw, cw);
            }
        }
        return out;
    }
}
