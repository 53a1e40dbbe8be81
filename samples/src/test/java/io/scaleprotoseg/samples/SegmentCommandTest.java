package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentCommandTest {
    @TempDir
    static Path models;
    static Path colour;
    static Path deeplab;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModels() throws IOException {
        colour = TestModels.colourModel(models);
        deeplab = TestModels.random(models, ModelKind.DEEPLABV2);
    }

    @Test
    void aCorruptImageIsReportedAndTheOthersAreWritten() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        TestModels.scene(in.resolve("a.png"), 1);
        TestModels.scene(in.resolve("c.png"), 2);
        // a PNG cut off in the middle of its pixel data
        byte[] whole = Files.readAllBytes(in.resolve("a.png"));
        Files.write(in.resolve("b-broken.png"), Arrays.copyOf(whole, whole.length / 3));
        Files.writeString(in.resolve("notes.txt"), "not an image, and not listed");
        Path out = dir.resolve("out");

        Cli.Result r = Cli.run("segment", "--model", colour, "--input", in, "--out", out, "--backend", "ort-cpu");

        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("b-broken.png"), r::toString);
        assertTrue(r.err().contains("1 of 3 images failed"), r::toString);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        for (String name : new String[] {"a", "c"}) {
            assertTrue(Files.isRegularFile(out.resolve(name + "_mask.png")), r::toString);
            assertTrue(Files.isRegularFile(out.resolve(name + "_overlay.png")), r::toString);
            assertTrue(Files.isRegularFile(out.resolve(name + ".json")), r::toString);
        }
        assertFalse(Files.exists(out.resolve("b-broken_mask.png")));
        assertTrue(r.out().contains("a.png") && r.out().contains("c.png"), r::toString);
        try (var listing = Files.list(out)) {
            assertEquals(6, listing.count(), "three files for each good image, none for the bad one");
        }
    }

    @Test
    void segmentingADirectoryIntoItselfTwiceSkipsItsOwnOutputsAndGifIsAnInput() throws IOException {
        Path d = Files.createDirectories(dir.resolve("same"));
        TestModels.scene(d.resolve("a.png"), 3);
        BufferedImage gif = ImageIO.read(d.resolve("a.png").toFile());
        assertTrue(ImageIO.write(gif, "gif", d.resolve("g.gif").toFile()));
        Cli.Result first = Cli.run("segment", "--model", colour, "--input", d, "--out", d, "--backend", "ort-cpu");
        assertEquals(0, first.exit(), first::toString);
        assertTrue(Files.isRegularFile(d.resolve("g_mask.png")), "a .gif in a directory is segmented: " + first);
        Cli.Result again = Cli.run("segment", "--model", colour, "--input", d, "--out", d, "--backend", "ort-cpu");
        assertEquals(0, again.exit(), again::toString);
        assertTrue(again.err().contains("skipped 4 files of --input that are segment's own outputs"), again::toString);
        try (var listing = Files.list(d)) {
            assertTrue(listing.noneMatch(p -> p.getFileName().toString().contains("_mask_")), "no mask of a mask");
        }
        try (var listing = Files.list(d)) {
            assertEquals(8, listing.count(), "two inputs and their three outputs each");
        }
    }

    @Test
    void outputProblemsNameTheOptionAndAFailedOnlyImageLeavesNoFolder() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in-out"));
        TestModels.scene(in.resolve("a.png"), 1);
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Cli.Result toFile = Cli.run("segment", "--model", colour, "--input", in, "--out", file, "--backend", "ort-cpu");
        assertEquals(1, toFile.exit(), toFile::toString);
        assertTrue(toFile.err().contains("--out " + file + " is a file; give a directory"), toFile::toString);
        Cli.Result under = Cli.run("segment", "--model", colour, "--input", in, "--out", file.resolve("sub"), "--backend",
                "ort-cpu");
        assertEquals(1, under.exit(), under::toString);
        assertTrue(under.err().contains("--out " + file.resolve("sub") + ": cannot create the directory"), under::toString);

        Path broken = Files.write(dir.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
        Path out = dir.resolve("never");
        Cli.Result onlyBad = Cli.run("segment", "--model", colour, "--input", broken, "--out", out, "--backend", "ort-cpu");
        assertEquals(1, onlyBad.exit(), onlyBad::toString);
        assertTrue(onlyBad.err().contains("1 of 1 images failed; nothing was written"), onlyBad::toString);
        assertFalse(Files.exists(out), "no empty output folder left behind");

        Cli.Result info = Cli.run("info", in);
        assertEquals(1, info.exit(), info::toString);
        assertTrue(info.err().contains(in + " is a directory; give an exported .onnx model file"), info::toString);
    }

    @Test
    void maxPixelsIsAnOptionAndItsMessageSaysSo() throws IOException {
        Path in = Files.createDirectories(dir.resolve("px"));
        TestModels.scene(in.resolve("a.png"), 4);
        Cli.Result refused = Cli.run("segment", "--model", colour, "--input", in.resolve("a.png"), "--out", dir.resolve("px-out"),
                "--backend", "ort-cpu", "--max-pixels", 10_000);
        assertEquals(1, refused.exit(), refused::toString);
        assertTrue(refused.err().contains("320x240 = 76800 pixels, over the limit of 10000")
                && refused.err().contains("raise --max-pixels"), refused::toString);
        Cli.Result allowed = Cli.run("segment", "--model", colour, "--input", in.resolve("a.png"), "--out", dir.resolve("px-out"),
                "--backend", "ort-cpu", "--max-pixels", 100_000);
        assertEquals(0, allowed.exit(), allowed::toString);
    }

    @Test
    void keepingAnImageFarLargerThanTheTrainingResolutionWarnsAndSuggestsASize() throws Exception {
        ModelCard c = ModelCard.read(colour);
        ModelCard trained = new ModelCard(c.formatVersion(), c.method(), c.classes(), c.ignoreLabel(), c.normalization(),
                c.outputStride(), c.mscScales(), c.scales(), c.prototypes(), c.groups(), c.threshold(),
                new ModelCard.Provenance("scenes/train", null, null, null, null, null,
                        Map.of(ModelCard.TRAINING_CROP_NOTE, "96", ModelCard.VALIDATION_IMAGE_NOTE, "128x96")));
        assertEquals(new ModelCard.TrainingResolution(96, 128, 96), trained.trainingResolution());
        String w = ImageFiles.resolutionWarning(trained, InputSizing.keep(), "big.png", 4000, 3000);
        assertTrue(w.contains("4000x3000") && w.contains("96-pixel crops of 128x96 images") && w.contains("try --size 96")
                && w.contains("31x larger"), w);
        assertNull(ImageFiles.resolutionWarning(trained, InputSizing.keep(), "ok.png", 512, 384), "4x is still fine");
        assertNull(ImageFiles.resolutionWarning(trained, InputSizing.shorterSide(96), "big.png", 4000, 3000),
                "not when the image is resized");
        assertNull(ImageFiles.resolutionWarning(c, InputSizing.keep(), "big.png", 4000, 3000), "nothing recorded");
    }

    @Test
    void tiledSegmentationWritesTheSdksTiledMaskAndBadTilesNameTheOption() throws Exception {
        Path img = dir.resolve("scene.png");
        TestModels.scene(img, 4);
        Cli.Result r = Cli.run("segment", "--model", colour, "--input", img, "--out", dir.resolve("o"), "--size", "tile:96:16",
                "--backend", "ort-cpu", "--threads", 1);
        assertEquals(0, r.exit(), r::toString);
        int[] expected;
        try (Segmenter seg = Segmenter.builder().model(colour).backend(Backend.ORT_CPU).intraOpThreads(1)
                .inputSizing(InputSizing.tiled(96, 16)).build()) {
            Segmentation s = seg.segment(img);
            assertEquals(4 * 3, s.tiles(), "320x240 in tiles of 96 overlapping by >= 16");
            expected = s.mask();
        }
        BufferedImage mask = ImageIO.read(dir.resolve("o/scene_mask.png").toFile());
        int[] got = mask.getRaster().getSamples(0, 0, 320, 240, 0, new int[320 * 240]);
        assertArrayEquals(expected, got);

        Cli.Result half = Cli.run("segment", "--model", colour, "--input", img, "--out", dir.resolve("o2"), "--size", "tile:96:48");
        assertEquals(2, half.exit(), half::toString);
        assertTrue(half.err().contains("--size") && half.err().contains("overlap 48 must be at least 0 and less than half the tile"),
                half::toString);
        Cli.Result small = Cli.run("segment", "--model", colour, "--input", img, "--out", dir.resolve("o3"), "--size", "tile:16:0",
                "--backend", "ort-cpu");
        assertNotEquals(0, small.exit(), small::toString);
        assertTrue(small.err().contains("--size tile:16:0: tileSize 16 is smaller than 32 pixels"), small::toString);
        assertFalse(Files.exists(dir.resolve("o3")), "nothing is written");
    }

    @Test
    void jsonCarriesTheRequestedEvidence() throws IOException {
        Path img = dir.resolve("scene.png");
        TestModels.scene(img, 3);
        Cli.Result r = Cli.run("segment", "--model", colour, "--input", img, "--out", dir.resolve("o"), "--evidence", "full",
                "--top", 2, "--backend", "ort-cpu", "--threads", 1);
        assertEquals(0, r.exit(), r::toString);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("o/scene.json").toFile());
        assertEquals("full", json.get("evidence").asText());
        for (JsonNode c : json.get("classes")) {
            assertEquals(2, c.get("topGroups").size());
            assertEquals(2, c.get("topPrototypes").size());
        }
    }

    @Test
    void evidenceOnABlackBoxModelFailsClearly() throws IOException {
        Path img = dir.resolve("scene.png");
        TestModels.scene(img, 4);
        Path out = dir.resolve("out");

        Cli.Result r = Cli.run("segment", "--model", deeplab, "--input", img, "--out", out, "--evidence", "full");

        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("--evidence full"), r::toString);
        assertTrue(r.err().contains("deeplabv2 (black-box)"), r::toString);
        assertTrue(r.err().contains("--evidence none"), "says what to do instead: " + r);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(out.resolve("scene_mask.png")));
    }

    @Test
    void blackBoxModelsDefaultToNoEvidence() throws IOException {
        Path img = dir.resolve("scene.png");
        TestModels.scene(img, 5);
        Cli.Result r = Cli.run("segment", "--model", deeplab, "--input", img, "--out", dir.resolve("o"), "--backend", "ort-cpu");
        assertEquals(0, r.exit(), r::toString);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("o/scene.json").toFile());
        assertEquals("none", json.get("evidence").asText());
        assertEquals("deeplabv2", json.get("model").asText());
    }

    @Test
    void masksOfModelsWithMoreThan255ClassesAre16Bit() throws Exception {
        Path model = TestModels.manyClasses(dir);
        Path img = dir.resolve("small.png");
        BufferedImage scene = TestModels.scene(img, 6).image();

        Cli.Result r = Cli.run("segment", "--model", model, "--input", img, "--out", dir.resolve("o"), "--backend", "ort-cpu");

        assertEquals(0, r.exit(), r::toString);
        BufferedImage mask = ImageIO.read(dir.resolve("o/small_mask.png").toFile());
        assertEquals(BufferedImage.TYPE_USHORT_GRAY, mask.getType());
        assertEquals(16, mask.getColorModel().getPixelSize());
        int[] written = mask.getRaster().getPixels(0, 0, mask.getWidth(), mask.getHeight(), (int[]) null);
        // the same model through the SDK directly: the PNG holds its class ids unchanged
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.NONE).build()) {
            Segmentation s = seg.segment(scene);
            assertArrayEquals(s.mask(), written);
        }
        assertTrue(Arrays.stream(written).allMatch(v -> v >= 0 && v < 300));
    }

    @Test
    void aMissingModelIsAUserError() {
        Cli.Result r = Cli.run("segment", "--model", dir.resolve("nope.onnx"), "--input", dir, "--out", dir.resolve("o"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("nope.onnx"), r::toString);
    }

    @Test
    void anEmptyDirectoryIsAUserError() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.Result r = Cli.run("segment", "--model", colour, "--input", empty, "--out", dir.resolve("o"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("--input") && r.err().contains("no image files"), r::toString);
    }

    @Test
    void malformedOptionsAreUsageErrors() {
        assertEquals(2, Cli.run("segment", "--model", colour, "--input", dir, "--out", dir, "--backend", "gpu").exit());
        assertEquals(2, Cli.run("segment", "--model", colour, "--input", dir, "--out", dir, "--size", "wide").exit());
        assertEquals(2, Cli.run("segment", "--model", colour).exit());
        assertEquals(2, Cli.run("frobnicate").exit());
    }
}
