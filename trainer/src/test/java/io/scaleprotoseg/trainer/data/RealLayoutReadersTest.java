package io.scaleprotoseg.trainer.data;

import static io.scaleprotoseg.trainer.data.Fixtures.H;
import static io.scaleprotoseg.trainer.data.Fixtures.W;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cityscapes, Pascal VOC, ADE20K, COCO-Stuff and ISBI EM readers on tiny fixtures laid out like the releases. */
class RealLayoutReadersTest {
    @TempDir
    Path root;

    private static boolean allEqual(int[] values, int v) {
        return Arrays.stream(values).allMatch(x -> x == v);
    }

    // ---------------------------------------------------------------- Cityscapes

    private void cityscapes() throws Exception {
        String[][] files = {{"train", "aachen", "aachen_000000_000019"}, {"train", "bochum", "bochum_000000_000313"},
            {"train", "aachen", "aachen_000001_000019"}, {"val", "frankfurt", "frankfurt_000000_000294"},
            {"test", "berlin", "berlin_000000_000019"}};
        int salt = 0;
        for (String[] f : files) {
            Fixtures.rgbPng(root.resolve("leftImg8bit/" + f[0] + "/" + f[1] + "/" + f[2] + "_leftImg8bit.png"), W, H, salt++);
            if (!f[0].equals("test")) {
                // labelIds: car 26, road 7, bicycle 33, ego vehicle 1, rectification border 3, license plate (-1 -> 255)
                int[] v = Fixtures.labels(W, H, 7, 0, 0, 26, 1, 0, 33, 2, 0, 1, 3, 0, 3, 4, 0, 255, 5, 0, 23);
                Fixtures.greyPng(root.resolve("gtFine/" + f[0] + "/" + f[1] + "/" + f[2] + "_gtFine_labelIds.png"), v, W, H);
            }
        }
        // a sibling file that is not a left image is ignored
        Fixtures.greyPng(root.resolve("gtFine/train/aachen/aachen_000000_000019_gtFine_instanceIds.png"), new int[W * H], W, H);
    }

    @Test
    void cityscapesMapsLabelIdsToTrainIds() throws Exception {
        cityscapes();
        SegmentationDataset train = CityscapesDataset.open(root, Split.TRAIN);
        assertEquals(3, train.size());
        assertEquals(List.of("aachen_000000_000019", "aachen_000001_000019", "bochum_000000_000313"),
                List.of(train.get(0).id(), train.get(1).id(), train.get(2).id()));
        assertEquals(19, train.labels().numClasses());
        assertEquals("car", train.labels().classes().get(13).name());
        assertEquals("#00008E", train.labels().classes().get(13).color());
        int[] l = train.get(0).labels();
        assertEquals(13, l[0]);  // car 26 -> 13
        assertEquals(18, l[1]);  // bicycle 33 -> 18
        assertEquals(255, l[2]); // ego vehicle -> void
        assertEquals(255, l[3]); // rectification border -> void
        assertEquals(255, l[4]);
        assertEquals(10, l[5]);  // sky 23 -> 10
        assertEquals(0, l[W]);   // road 7 -> 0
        for (int id = 0; id < 256; id++) {
            int t = CityscapesDataset.trainId(id);
            assertTrue(t == 255 || (t >= 0 && t < 19));
        }
        assertEquals(1, CityscapesDataset.open(root, Split.VAL).size());
        assertEquals("frankfurt_000000_000294", CityscapesDataset.open(root, Split.VAL).get(0).id());
    }

    @Test
    void cityscapesTestSplitWithoutLabelsIsVoidAndMissingTrainLabelIsAnError() throws Exception {
        cityscapes();
        Sample t = CityscapesDataset.open(root, Split.TEST).get(0);
        assertTrue(allEqual(t.labels(), 255));
        Path label = root.resolve("gtFine/train/bochum/bochum_000000_000313_gtFine_labelIds.png");
        Files.delete(label);
        DatasetException e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("has no label: expected " + label), e.getMessage());
        e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root.resolve("nowhere"), Split.TRAIN));
        assertTrue(e.getMessage().contains("empty split 'train'"), e.getMessage());
    }

    // ---------------------------------------------------------------- Pascal VOC

    private void voc(Path base) throws Exception {
        int[] palette = Palettes.voc();
        String[] ids = {"2007_000032", "2007_000039", "2008_000002"};
        for (int i = 0; i < ids.length; i++) {
            Fixtures.jpg(base.resolve("JPEGImages/" + ids[i] + ".jpg"), W, H, i);
            // person 15 with a void boundary 255 around it, background 0
            int[] v = Fixtures.labels(W, H, 0, 5, 5, 15, 4, 5, 255, 6, 5, 255, 1, 1, i + 1);
            ImageFiles.writeIndexedPng(base.resolve("SegmentationClass/" + ids[i] + ".png"), v, W, H, palette);
        }
        Fixtures.write(base.resolve("ImageSets/Segmentation/train.txt"), "2007_000032\n2008_000002\n");
        Fixtures.write(base.resolve("ImageSets/Segmentation/val.txt"), "2007_000039\n");
        // SBD: a DeepLab-style list, one extra image whose label is only in SegmentationClassAug (grey PNG)
        Fixtures.jpg(base.resolve("JPEGImages/2008_000123.jpg"), W, H, 9);
        Fixtures.greyPng(base.resolve("SegmentationClassAug/2008_000123.png"), Fixtures.labels(W, H, 7), W, H);
        Fixtures.write(base.resolve("ImageSets/Segmentation/train_aug.txt"),
                "/JPEGImages/2007_000032.jpg /SegmentationClassAug/2007_000032.png\n"
                        + "/JPEGImages/2008_000123.jpg /SegmentationClassAug/2008_000123.png\n");
    }

    @Test
    void vocReadsPaletteIndicesAndSplitLists() throws Exception {
        Path base = root.resolve("VOCdevkit/VOC2012");
        voc(base);
        SegmentationDataset train = VocDataset.open(root, Split.TRAIN, false);
        assertEquals(2, train.size());
        assertEquals("2007_000032", train.get(0).id());
        assertEquals("2008_000002", train.get(1).id());
        int[] l = train.get(1).labels();
        assertEquals(15, l[5 * W + 5]);
        assertEquals(255, l[5 * W + 4]);
        assertEquals(3, l[W + 1]);
        assertEquals(0, l[0]);
        assertEquals(21, train.labels().numClasses());
        assertEquals("person", train.labels().classes().get(15).name());
        assertEquals("#C08080", train.labels().classes().get(15).color());
        assertEquals("#800000", train.labels().classes().get(1).color());
        assertEquals(0xE0E0C0, Palettes.voc()[255]);
        SegmentationDataset val = VocDataset.open(root, Split.VAL, true);
        assertEquals(List.of("2007_000039"), List.of(val.get(0).id()));

        SegmentationDataset aug = VocDataset.open(root, Split.TRAIN, true);
        assertEquals(2, aug.size());
        assertEquals(15, aug.get(0).labels()[5 * W + 5]); // falls back to SegmentationClass
        assertEquals("2008_000123", aug.get(1).id());
        assertTrue(allEqual(aug.get(1).labels(), 7));
    }

    @Test
    void vocErrorsNameListsAndFiles() throws Exception {
        voc(root);
        int[] bad = Fixtures.labels(W, H, 0, 2, 3, 21);
        ImageFiles.writeIndexedPng(root.resolve("SegmentationClass/2007_000039.png"), bad, W, H, Palettes.voc());
        DatasetException e = assertThrows(DatasetException.class, () -> VocDataset.open(root, Split.VAL, false).get(0));
        assertTrue(e.getMessage().contains(root.resolve("SegmentationClass/2007_000039.png").toString())
                && e.getMessage().contains("value 21 at (x=2, y=3)"), e.getMessage());

        Fixtures.write(root.resolve("ImageSets/Segmentation/val.txt"), "\n\n");
        e = assertThrows(DatasetException.class, () -> VocDataset.open(root, Split.VAL, false));
        assertTrue(e.getMessage().contains("empty split") && e.getMessage().contains("val.txt"), e.getMessage());

        Fixtures.write(root.resolve("ImageSets/Segmentation/val.txt"), "2099_000001\n");
        e = assertThrows(DatasetException.class, () -> VocDataset.open(root, Split.VAL, false));
        assertTrue(e.getMessage().contains(root.resolve("JPEGImages/2099_000001.jpg").toString()), e.getMessage());

        Files.delete(root.resolve("SegmentationClass/2008_000002.png"));
        e = assertThrows(DatasetException.class, () -> VocDataset.open(root, Split.TRAIN, false));
        assertTrue(e.getMessage().contains("has no label") && e.getMessage().contains("2008_000002.png"), e.getMessage());

        e = assertThrows(DatasetException.class, () -> VocDataset.open(root, Split.TEST, false));
        assertTrue(e.getMessage().contains(root.resolve("ImageSets/Segmentation/test.txt").toString()), e.getMessage());
    }

    // ---------------------------------------------------------------- ADE20K

    @Test
    void ade20kShiftsLabelsAndReadsClassNames() throws Exception {
        Path base = root.resolve("ADEChallengeData2016");
        StringBuilder csv = new StringBuilder("Idx,Ratio,Train,Val,Name\n");
        for (int i = 1; i <= 150; i++) {
            csv.append(i).append(",0.01,10,1,").append(i == 13 ? "person;individual;someone" : "thing" + i).append('\n');
        }
        Fixtures.write(base.resolve("objectInfo150.csv"), csv.toString());
        for (String[] f : new String[][] {{"training", "ADE_train_00000001"}, {"training", "ADE_train_00000002"},
            {"validation", "ADE_val_00000001"}}) {
            Fixtures.jpg(base.resolve("images/" + f[0] + "/" + f[1] + ".jpg"), W, H, 1);
            Fixtures.greyPng(base.resolve("annotations/" + f[0] + "/" + f[1] + ".png"),
                    Fixtures.labels(W, H, 0, 1, 0, 1, 2, 0, 150, 3, 0, 13), W, H);
        }
        SegmentationDataset train = Ade20kDataset.open(root, Split.TRAIN);
        assertEquals(2, train.size());
        assertEquals("ADE_train_00000001", train.get(0).id());
        int[] l = train.get(1).labels();
        assertEquals(255, l[0]);
        assertEquals(0, l[1]);
        assertEquals(149, l[2]);
        assertEquals(12, l[3]);
        assertEquals("person", train.labels().classes().get(12).name());
        assertEquals(150, train.labels().numClasses());
        assertEquals(1, Ade20kDataset.open(base, Split.VAL).size());

        Fixtures.greyPng(base.resolve("annotations/validation/ADE_val_00000001.png"), Fixtures.labels(W, H, 0, 4, 2, 151), W, H);
        DatasetException e = assertThrows(DatasetException.class, () -> Ade20kDataset.open(root, Split.VAL).get(0));
        assertTrue(e.getMessage().contains("ADE_val_00000001.png") && e.getMessage().contains("value 151 at (x=4, y=2)"),
                e.getMessage());

        Files.delete(base.resolve("objectInfo150.csv"));
        assertEquals("person", Ade20kDataset.labels(root).classes().get(12).name()); // the built-in official names
        e = assertThrows(DatasetException.class, () -> Ade20kDataset.open(root, Split.TEST));
        assertTrue(e.getMessage().contains("empty split 'test'"), e.getMessage());
        Fixtures.jpg(base.resolve("release_test/testing/ADE_test_00000001.jpg"), W, H, 2);
        assertTrue(allEqual(Ade20kDataset.open(root, Split.TEST).get(0).labels(), 255));
    }

    // ---------------------------------------------------------------- COCO-Stuff

    @Test
    void cocoStuffCompactsTo171Classes() throws Exception {
        assertEquals(171, CocoStuffDataset.LABELS.numClasses());
        assertEquals("person", CocoStuffDataset.LABELS.classes().get(0).name());
        assertEquals("banner", CocoStuffDataset.LABELS.classes().get(80).name());
        assertEquals("wood", CocoStuffDataset.LABELS.classes().get(170).name());
        assertEquals(-1, CocoStuffDataset.classOf(11));
        assertEquals(11, CocoStuffDataset.classOf(12)); // stop sign follows fire hydrant
        for (String[] f : new String[][] {{"train2017", "000000000009"}, {"train2017", "000000000025"},
            {"val2017", "000000000139"}}) {
            Fixtures.jpg(root.resolve("images/" + f[0] + "/" + f[1] + ".jpg"), W, H, 3);
            Fixtures.greyPng(root.resolve("stuffthingmaps_trainval2017/" + f[0] + "/" + f[1] + ".png"),
                    Fixtures.labels(W, H, 255, 0, 0, 0, 1, 0, 91, 2, 0, 181, 3, 0, 12), W, H);
        }
        SegmentationDataset train = CocoStuffDataset.open(root, Split.TRAIN);
        assertEquals(2, train.size());
        assertEquals("000000000025", train.get(1).id());
        int[] l = train.get(0).labels();
        assertEquals(0, l[0]);
        assertEquals(80, l[1]);
        assertEquals(170, l[2]);
        assertEquals(11, l[3]);
        assertEquals(255, l[4]);
        assertEquals(1, CocoStuffDataset.open(root, Split.VAL).size());
        Fixtures.greyPng(root.resolve("stuffthingmaps_trainval2017/val2017/000000000139.png"),
                Fixtures.labels(W, H, 255, 3, 1, 11), W, H);
        DatasetException e = assertThrows(DatasetException.class, () -> CocoStuffDataset.open(root, Split.VAL).get(0));
        assertTrue(e.getMessage().contains("000000000139.png") && e.getMessage().contains("value 11 at (x=3, y=1)"),
                e.getMessage());
        Files.delete(root.resolve("stuffthingmaps_trainval2017/train2017/000000000025.png"));
        e = assertThrows(DatasetException.class, () -> CocoStuffDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("000000000025.jpg has no label"), e.getMessage());
    }

    // ---------------------------------------------------------------- ISBI 2012 EM

    private static List<BufferedImage> slices(int n, boolean labels) {
        List<BufferedImage> out = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            int[] v = new int[W * H];
            for (int i = 0; i < v.length; i++) {
                v[i] = labels ? ((i + s) % 3 == 0 ? 0 : 255) : (i * 7 + s * 20) & 0xff;
            }
            out.add(Fixtures.grey(W, H, v));
        }
        return out;
    }

    @Test
    void emSplitsTheLabelledVolumeIntoTrainAndVal() throws Exception {
        Fixtures.tiff(root.resolve("train-volume.tif"), slices(6, false));
        Fixtures.tiff(root.resolve("train-labels.tif"), slices(6, true));
        Fixtures.tiff(root.resolve("test-volume.tif"), slices(3, false));
        IsbiEmDataset train = IsbiEmDataset.open(root, Split.TRAIN, 2);
        IsbiEmDataset val = IsbiEmDataset.open(root, Split.VAL, 2);
        assertEquals(4, train.size());
        assertEquals(2, val.size());
        assertEquals("train-volume_00", train.get(0).id());
        assertEquals("train-volume_04", val.get(0).id());
        Sample s = val.get(1); // slice 5
        assertEquals(0, s.labels()[1]);   // (1 + 5) % 3 == 0 -> membrane
        assertEquals(1, s.labels()[0]);   // cell
        int n = W * H;
        float expected = ((10 * 7 + 5 * 20) & 0xff) / 255f;
        assertEquals(expected, s.image()[10]);
        assertEquals(expected, s.image()[n + 10]);
        assertEquals(expected, s.image()[2 * n + 10]);
        assertNull(s.parts());
        assertEquals(List.of("membrane", "cell"), List.of(train.labels().classes().get(0).name(),
                train.labels().classes().get(1).name()));
        IsbiEmDataset test = IsbiEmDataset.open(root, Split.TEST, 2);
        assertEquals(3, test.size());
        assertTrue(allEqual(test.get(2).labels(), 255));

        DatasetException e = assertThrows(DatasetException.class, () -> IsbiEmDataset.open(root, Split.TRAIN, 6));
        assertTrue(e.getMessage().contains("valSlices=6"), e.getMessage());
        Fixtures.tiff(root.resolve("train-labels.tif"), slices(5, true));
        e = assertThrows(DatasetException.class, () -> IsbiEmDataset.open(root, Split.TRAIN, 2));
        assertTrue(e.getMessage().contains(root.resolve("train-labels.tif") + " have 5 slices")
                && e.getMessage().contains("has 6"), e.getMessage());
        Files.write(root.resolve("train-volume.tif"), new byte[] {0x49, 0x49, 42, 0, 1, 2});
        e = assertThrows(DatasetException.class, () -> IsbiEmDataset.open(root, Split.TRAIN, 2));
        assertTrue(e.getMessage().contains("cannot read EM volume " + root.resolve("train-volume.tif")), e.getMessage());
    }
}
