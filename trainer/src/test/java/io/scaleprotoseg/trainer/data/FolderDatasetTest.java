package io.scaleprotoseg.trainer.data;

import static io.scaleprotoseg.trainer.data.Fixtures.H;
import static io.scaleprotoseg.trainer.data.Fixtures.W;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelCard.ClassInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderDatasetTest {
    @TempDir
    Path root;

    private static final String CLASSES = "# test classes\nignore 200\n0 sky #4682B4\n1 road #804080\n2 traffic sign #dcdc00\n";

    /** train: a.png (parts), b.jpg (parts); val: c.png; test: d.png without masks. */
    private void layOut() throws IOException {
        Fixtures.write(root.resolve("classes.txt"), CLASSES);
        Fixtures.write(root.resolve("parts.txt"), "1 sign face 2\n2 sign pole 2\n");
        Fixtures.rgbPng(root.resolve("train/images/a.png"), W, H, 1);
        Fixtures.jpg(root.resolve("train/images/b.jpg"), W, H, 2);
        Fixtures.greyPng(root.resolve("train/masks/a.png"), Fixtures.labels(W, H, 0, 3, 4, 2, 5, 6, 200), W, H);
        Fixtures.greyPng(root.resolve("train/masks/b.png"), Fixtures.labels(W, H, 1), W, H);
        Fixtures.greyPng(root.resolve("train/parts/a.png"), Fixtures.labels(W, H, 0, 3, 4, 1), W, H);
        Fixtures.greyPng(root.resolve("train/parts/b.png"), Fixtures.labels(W, H, 0, 0, 0, 2), W, H);
        Fixtures.rgbPng(root.resolve("val/images/c.png"), W, H, 3);
        Fixtures.greyPng(root.resolve("val/masks/c.png"), Fixtures.labels(W, H, 2), W, H);
        Fixtures.rgbPng(root.resolve("test/images/d.png"), W, H, 4);
    }

    @Test
    void readsClassesImagesMasksAndParts() throws Exception {
        layOut();
        SegmentationDataset train = FolderDataset.open(root, Split.TRAIN);
        assertEquals(2, train.size());
        assertEquals(3, train.labels().numClasses());
        assertEquals(200, train.labels().ignoreLabel());
        assertEquals("traffic sign", train.labels().classes().get(2).name());
        assertEquals("#DCDC00", train.labels().classes().get(2).color());
        assertEquals(List.of(new PartInfo(1, "sign face", 2), new PartInfo(2, "sign pole", 2)), train.parts());

        Sample a = train.get(0);
        assertEquals("a", a.id());
        assertEquals(W, a.width());
        assertEquals(H, a.height());
        assertEquals(2, a.labels()[4 * W + 3]);
        assertEquals(200, a.labels()[6 * W + 5]);
        assertEquals(0, a.labels()[0]);
        assertEquals(1, a.parts()[4 * W + 3]);
        // PNG pixels come back exactly as k/255, channel-major
        int rgb = Fixtures.colourImage(W, H, 1).getRGB(7, 5);
        int n = W * H;
        assertEquals(((rgb >> 16) & 0xff) / 255f, a.image()[5 * W + 7]);
        assertEquals(((rgb >> 8) & 0xff) / 255f, a.image()[n + 5 * W + 7]);
        assertEquals((rgb & 0xff) / 255f, a.image()[2 * n + 5 * W + 7]);

        Sample b = train.get(1);
        assertEquals("b", b.id());
        assertEquals(2, b.parts()[0]);
        assertTrue(Arrays.stream(b.labels()).allMatch(v -> v == 1));

        SegmentationDataset val = FolderDataset.open(root, Split.VAL);
        assertEquals(1, val.size());
        assertEquals("c", val.get(0).id());
        assertNull(val.get(0).parts());
    }

    @Test
    void testSplitWithoutMasksIsAllVoid() throws Exception {
        layOut();
        Sample d = FolderDataset.open(root, Split.TEST).get(0);
        assertEquals("d", d.id());
        assertTrue(Arrays.stream(d.labels()).allMatch(v -> v == 200));
    }

    @Test
    void sixteenBitAndPaletteMasksAreReadAsValues() throws Exception {
        Fixtures.write(root.resolve("classes.txt"), "ignore 65535\n" + manyClasses(300));
        Fixtures.rgbPng(root.resolve("train/images/x.png"), W, H, 1);
        Fixtures.greyPng(root.resolve("train/masks/x.png"), Fixtures.labels(W, H, 7, 1, 1, 299, 2, 2, 65535), W, H);
        Fixtures.rgbPng(root.resolve("train/images/y.png"), W, H, 2);
        // palette PNG whose colours have nothing to do with the classes: only the index counts
        ImageFiles.writeIndexedPng(root.resolve("train/masks/y.png"), Fixtures.labels(W, H, 5, 0, 0, 9), W, H,
                Palettes.voc());
        SegmentationDataset ds = FolderDataset.open(root, Split.TRAIN);
        Sample x = ds.get(0);
        assertEquals(299, x.labels()[W + 1]);
        assertEquals(65535, x.labels()[2 * W + 2]);
        assertEquals(7, x.labels()[0]);
        Sample y = ds.get(1);
        assertEquals(9, y.labels()[0]);
        assertEquals(5, y.labels()[1]);
    }

    private static String manyClasses(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i).append(" c").append(i).append(" #000000\n");
        }
        return sb.toString();
    }

    // ---- bad data: every error names the file at fault

    @Test
    void imageAndMaskOfDifferentSizesNameBothFiles() throws Exception {
        layOut();
        Fixtures.greyPng(root.resolve("train/masks/a.png"), new int[(W - 1) * H], W - 1, H);
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN).get(0));
        assertTrue(e.getMessage().contains(root.resolve("train/images/a.png").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(root.resolve("train/masks/a.png").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("16x12") && e.getMessage().contains("15x12"), e.getMessage());
        assertEquals(ErrorCode.DATASET_INVALID, e.code());
    }

    @Test
    void partLabelOfADifferentSizeIsAnError() throws Exception {
        layOut();
        Fixtures.greyPng(root.resolve("train/parts/b.png"), new int[W * (H + 1)], W, H + 1);
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN).get(1));
        assertTrue(e.getMessage().contains(root.resolve("train/parts/b.png").toString()), e.getMessage());
    }

    @Test
    void labelValueOutsideTheClassesNamesFileValueAndPixel() throws Exception {
        layOut();
        Fixtures.greyPng(root.resolve("train/masks/b.png"), Fixtures.labels(W, H, 1, 9, 3, 7), W, H);
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN).get(1));
        String m = e.getMessage();
        assertTrue(m.contains(root.resolve("train/masks/b.png").toString()), m);
        assertTrue(m.contains("value 7") && m.contains("x=9") && m.contains("y=3"), m);
        assertTrue(m.contains("0..2") && m.contains("200"), m);
    }

    @Test
    void partValueOutsideThePartTableIsAnError() throws Exception {
        layOut();
        Fixtures.greyPng(root.resolve("train/parts/a.png"), Fixtures.labels(W, H, 0, 1, 1, 3), W, H);
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN).get(0));
        assertTrue(e.getMessage().contains("part label " + root.resolve("train/parts/a.png")) && e.getMessage().contains("value 3"),
                e.getMessage());
    }

    @Test
    void unreadableFilesAreNamed() throws Exception {
        layOut();
        Files.write(root.resolve("train/images/a.png"), new byte[] {1, 2, 3, 4, 5});
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN).get(0));
        assertTrue(e.getMessage().contains("cannot read image " + root.resolve("train/images/a.png")), e.getMessage());

        Files.write(root.resolve("val/masks/c.png"), "not a png".getBytes(StandardCharsets.UTF_8));
        e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.VAL).get(0));
        assertTrue(e.getMessage().contains("cannot read label " + root.resolve("val/masks/c.png")), e.getMessage());
    }

    @Test
    void colourMaskIsRejected() throws Exception {
        layOut();
        Fixtures.rgbPng(root.resolve("val/masks/c.png"), W, H, 0);
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.VAL).get(0));
        assertTrue(e.getMessage().contains(root.resolve("val/masks/c.png").toString())
                && e.getMessage().contains("single-channel"), e.getMessage());
    }

    @Test
    void emptyOrMissingSplitsNameTheDirectory() throws Exception {
        layOut();
        Files.delete(root.resolve("val/images/c.png"));
        Files.delete(root.resolve("val/masks/c.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.VAL));
        assertTrue(e.getMessage().contains("empty split 'val'") && e.getMessage().contains(root.resolve("val/images").toString()),
                e.getMessage());
        Files.delete(root.resolve("test/images/d.png"));
        Files.delete(root.resolve("test/images"));
        e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TEST));
        assertTrue(e.getMessage().contains(root.resolve("test/images").toString()), e.getMessage());
    }

    @Test
    void imageWithoutMaskAndMaskWithoutImageAreNamed() throws Exception {
        layOut();
        Fixtures.rgbPng(root.resolve("train/images/e.png"), W, H, 5);
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("image " + root.resolve("train/images/e.png") + " has no mask"), e.getMessage());
        Files.delete(root.resolve("train/images/e.png"));

        Fixtures.greyPng(root.resolve("train/masks/z.png"), new int[W * H], W, H);
        e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("mask " + root.resolve("train/masks/z.png") + " has no image"), e.getMessage());
        Files.delete(root.resolve("train/masks/z.png"));

        Files.delete(root.resolve("train/parts/b.png"));
        e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("has no part label") && e.getMessage().contains("b.png"), e.getMessage());
    }

    @Test
    void trainSplitWithoutMasksIsAnError() throws Exception {
        layOut();
        Files.delete(root.resolve("val/masks/c.png"));
        Files.delete(root.resolve("val/masks"));
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.VAL));
        assertTrue(e.getMessage().contains(root.resolve("val/masks").toString()), e.getMessage());
    }

    @Test
    void missingClassesFileIsNamed() throws Exception {
        layOut();
        Files.delete(root.resolve("classes.txt"));
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("missing classes file: " + root.resolve("classes.txt")), e.getMessage());
    }

    @Test
    void malformedClassesFilesNameFileAndLine() throws Exception {
        layOut();
        Path classes = root.resolve("classes.txt");
        assertMalformed(classes, "0 sky #4682B4\n1 road red\n", "line 2", "colour 'red'");
        assertMalformed(classes, "0 sky #4682B4\n2 road #804080\n", "line 2", "expected 1");
        assertMalformed(classes, "zero sky #4682B4\n", "line 1", "'zero' is not an integer");
        assertMalformed(classes, "0 #4682B4\n", "line 1", "expected '<id> <name> <#RRGGBB>'");
        assertMalformed(classes, "# nothing\n", "lists no classes");
        assertMalformed(classes, "0 sky #4682B4\n1 road #80408\n", "line 2", "colour '#80408' of class 1 is not #RRGGBB");
        assertMalformed(classes, "sky\n1 road\n", "line 2", "a line with a class id in a file whose first class line has none");
        assertMalformed(classes, "0 sky\nroad\n", "line 2", "a line without a class id");
        assertMalformed(classes, "0 sky\n1 road #804080\n", "line 2", "a colour in a file whose first class line has none");
        assertMalformed(classes, "ignore 1\n0 sky #4682B4\n1 road #804080\n", "ignore label 1 is also a class id");
        assertMalformed(classes, "ignore 70000\n0 sky #4682B4\n", "line 1", "outside 0..65535");
        Fixtures.write(classes, CLASSES);
        Path parts = root.resolve("parts.txt");
        Fixtures.write(parts, "1 face 2\n3 pole 2\n");
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains(parts + " line 2") && e.getMessage().contains("expected 2"), e.getMessage());
        Fixtures.write(parts, "1 face 9\n");
        e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("class 9, outside 0..2"), e.getMessage());
    }

    private void assertMalformed(Path classes, String text, String... fragments) throws IOException {
        Fixtures.write(classes, text);
        DatasetException e = assertThrows(DatasetException.class, () -> FolderDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains(classes.toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
    }

    @Test
    void aClassesFileOfBareNamesNamesClassesInLineOrderWithPaletteColours() throws Exception {
        Path c = root.resolve("bare/classes.txt");
        Fixtures.write(c, "# my digits\nbackground\n\ndigit one\n  digit two  \nignore 200\n");
        LabelSpace l = ClassesFile.readClasses(c);
        int[] palette = Palettes.generated(3);
        assertEquals(List.of(new ClassInfo(0, "background", Palettes.hex(palette[0])),
                new ClassInfo(1, "digit one", Palettes.hex(palette[1])), new ClassInfo(2, "digit two", Palettes.hex(palette[2]))),
                l.classes());
        assertEquals(200, l.ignoreLabel());
        // ids without colours
        Fixtures.write(c, "0 background\n1 7up can\n");
        assertEquals("7up can", ClassesFile.readClasses(c).classes().get(1).name());
        assertEquals(Palettes.hex(Palettes.generated(2)[1]), ClassesFile.readClasses(c).classes().get(1).color());
    }

    @Test
    void classesAndPartsFilesRoundTrip() throws Exception {
        Path c = root.resolve("c/classes.txt");
        ClassesFile.writeClasses(c, Scenes.LABELS);
        assertEquals(Scenes.LABELS, ClassesFile.readClasses(c));
        Path p = root.resolve("c/parts.txt");
        ClassesFile.writeParts(p, Scenes.PARTS);
        assertEquals(Scenes.PARTS, ClassesFile.readParts(p, Scenes.LABELS.numClasses()));
    }
}
