package io.scaleprotoseg.trainer.data;

import static io.scaleprotoseg.trainer.data.Fixtures.H;
import static io.scaleprotoseg.trainer.data.Fixtures.W;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.phase.Presets;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.Cell;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Matrix;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Struct;

/** The other layouts the common downloads unpack to, each detected and read. */
class LayoutVariantsTest {
    @TempDir
    Path root;

    // ---------------------------------------------------------------- COCO-Stuff

    @Test
    void cocoStuffAnnotationsFolderIsDetectedAndRead() throws Exception {
        for (String[] f : new String[][] {{"train2017", "000000000009"}, {"val2017", "000000000139"}}) {
            Fixtures.jpg(root.resolve("images/" + f[0] + "/" + f[1] + ".jpg"), W, H, 3);
            // what unzipping stuffthingmaps_trainval2017.zip into annotations/ gives
            Fixtures.greyPng(root.resolve("annotations/" + f[0] + "/" + f[1] + ".png"),
                    Fixtures.labels(W, H, 255, 0, 0, 0, 1, 0, 91, 2, 0, 181, 3, 0, 12), W, H);
        }
        // COCO's own json annotations may sit beside them
        Fixtures.write(root.resolve("annotations/instances_train2017.json"), "{}");
        assertEquals("coco-stuff", Datasets.detectFormat(root));
        SegmentationDataset train = Datasets.open(root, Split.TRAIN);
        assertEquals("000000000009", train.get(0).id());
        int[] l = train.get(0).labels();
        assertEquals(List.of(0, 80, 170, 11, 255), List.of(l[0], l[1], l[2], l[3], l[4]));
        assertEquals(1, Datasets.open(root, Split.VAL).size());
    }

    // ---------------------------------------------------------------- Pascal VOC + SBD

    private static final String[] VOC_IDS = {"2007_000032", "2007_000039", "2008_000002"};

    private Path voc() throws Exception {
        Path base = root.resolve("VOCdevkit/VOC2012");
        for (int i = 0; i < VOC_IDS.length; i++) {
            Fixtures.jpg(base.resolve("JPEGImages/" + VOC_IDS[i] + ".jpg"), W, H, i);
            int[] v = Fixtures.labels(W, H, 0, 5, 5, 15, 4, 5, 255, 1, 1, i + 1);
            ImageFiles.writeIndexedPng(base.resolve("SegmentationClass/" + VOC_IDS[i] + ".png"), v, W, H, Palettes.voc());
        }
        Fixtures.write(base.resolve("ImageSets/Segmentation/train.txt"), "2007_000032\n2008_000002\n");
        Fixtures.write(base.resolve("ImageSets/Segmentation/val.txt"), "2007_000039\n");
        return base;
    }

    /** An SBD class file: GTcls with Segmentation (uint8, H x W), Boundaries and CategoriesPresent, as SBD writes it. */
    static void sbdMat(Path file, int[] values) throws Exception {
        Matrix seg = Mat5.newMatrix(H, W, MatlabType.UInt8);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                seg.setInt(y, x, values[y * W + x]);
            }
        }
        Cell boundaries = Mat5.newCell(20, 1);
        Struct gt = Mat5.newStruct().set("Boundaries", boundaries).set("Segmentation", seg)
                .set("CategoriesPresent", Mat5.newScalar(15));
        MatFile mat = Mat5.newMatFile().addArray("GTcls", gt);
        Files.createDirectories(file.getParent());
        Mat5.writeToFile(mat, file.toFile());
    }

    @Test
    void vocSegmentationAugListIsUsedWhenPresentAndSaysSo() throws Exception {
        Path base = voc();
        Fixtures.jpg(base.resolve("JPEGImages/2008_000123.jpg"), W, H, 9);
        Fixtures.greyPng(base.resolve("SegmentationClassAug/2008_000123.png"), Fixtures.labels(W, H, 7), W, H);
        String deepLabList = """
                /JPEGImages/2007_000032.jpg /SegmentationClassAug/2007_000032.png
                /JPEGImages/2008_000123.jpg /SegmentationClassAug/2008_000123.png
                """;
        Fixtures.write(base.resolve("ImageSets/SegmentationAug/train_aug.txt"), deepLabList);
        assertEquals("voc", Datasets.detectFormat(root));
        SegmentationDataset train = Datasets.open(root, Split.TRAIN);
        assertEquals("voc/train_aug", train.name());
        assertEquals(2, train.size());
        assertTrue(Arrays.stream(train.get(1).labels()).allMatch(v -> v == 7));
        assertEquals("voc/val", Datasets.open(root, Split.VAL).name());
        SegmentationDataset plain = Datasets.open("voc", root, Split.TRAIN, Map.of("trainAug", "false"));
        assertEquals("voc/train", plain.name());
        assertEquals(2, plain.size());
        assertEquals("2008_000002", plain.get(1).id());
    }

    @Test
    void vocWithoutTrainAugReadsTrainTxtAndTrueIsAnError() throws Exception {
        Path base = voc();
        assertEquals("voc/train", Datasets.open(root, Split.TRAIN).name());
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.open("voc", root, Split.TRAIN, Map.of("trainAug", "true")));
        assertEquals("trainAug=true but no train_aug list was found: expected one of [train_aug.txt, aug.txt, trainaug.txt] in "
                + base.resolve("ImageSets/SegmentationAug") + " or " + base.resolve("ImageSets/Segmentation"), e.getMessage());
    }

    @Test
    void sbdMatLabelsAreReadDirectly() throws Exception {
        Path base = voc();
        Path sbd = root.resolve("VOCdevkit/benchmark_RELEASE/dataset");
        // an SBD-only image (only in SBD's img/) and one that VOC labels too (VOC's label wins)
        Fixtures.jpg(sbd.resolve("img/2008_000123.jpg"), W, H, 4);
        int[] sbdLabels = Fixtures.labels(W, H, 0, 2, 3, 12, 9, 8, 20, 15, 11, 1);
        sbdMat(sbd.resolve("cls/2008_000123.mat"), sbdLabels);
        sbdMat(sbd.resolve("cls/2007_000032.mat"), Fixtures.labels(W, H, 9));
        Fixtures.write(base.resolve("ImageSets/SegmentationAug/aug.txt"), "2007_000032\n2008_000123\n");
        SegmentationDataset train = Datasets.open(root, Split.TRAIN);
        assertEquals("voc/train_aug", train.name());
        assertEquals("2008_000123", train.get(1).id());
        assertArrayEquals(sbdLabels, train.get(1).labels());
        assertEquals(15, train.get(0).labels()[5 * W + 5], "VOC's own label for an image it labels");

        sbdMat(sbd.resolve("cls/2008_000123.mat"), Fixtures.labels(W, H, 0, 6, 2, 21));
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.open(root, Split.TRAIN).get(1));
        assertTrue(e.getMessage().startsWith("label " + sbd.resolve("cls/2008_000123.mat") + " has value 21 at (x=6, y=2)"),
                e.getMessage());

        // SBD's instance files are not class files
        MatFile inst = Mat5.newMatFile().addArray("GTinst", Mat5.newStruct().set("Segmentation", Mat5.newMatrix(H, W)));
        Mat5.writeToFile(inst, sbd.resolve("cls/2008_000123.mat").toFile());
        e = assertThrows(DatasetException.class, () -> Datasets.open(root, Split.TRAIN).get(1));
        assertTrue(e.getMessage().startsWith("SBD label " + sbd.resolve("cls/2008_000123.mat") + " has no struct GTcls with "
                + "a field Segmentation"), e.getMessage());
        assertTrue(e.getMessage().endsWith("expected a class file of SBD's dataset/cls/, not dataset/inst/"), e.getMessage());
    }

    // ---------------------------------------------------------------- ADE20K

    @Test
    void ade20kReleaseTestBesideTheRootIsFound() throws Exception {
        Path base = root.resolve("ADEChallengeData2016");
        Fixtures.jpg(base.resolve("images/training/ADE_train_00000001.jpg"), W, H, 1);
        Fixtures.greyPng(base.resolve("annotations/training/ADE_train_00000001.png"), Fixtures.labels(W, H, 3), W, H);
        // release_test.zip unzipped beside ADEChallengeData2016/
        Fixtures.jpg(root.resolve("release_test/testing/ADE_test_00000001.jpg"), W, H, 2);
        Fixtures.jpg(root.resolve("release_test/testing/ADE_test_00000002.jpg"), W, H, 3);
        for (Path given : List.of(root, base)) {
            assertEquals("ade20k", Datasets.detectFormat(given));
            SegmentationDataset test = Datasets.open(given, Split.TEST);
            assertEquals(2, test.size(), "from " + given);
            assertEquals("ADE_test_00000002", test.get(1).id());
            assertTrue(Arrays.stream(test.get(0).labels()).allMatch(v -> v == 255));
        }
        assertEquals(1, Datasets.open(root, Split.TRAIN).size());
    }

    // ---------------------------------------------------------------- reference-compatible settings

    @Test
    void emValidationIsTenSlicesDrawnWithSeed42ByDefaultAndTheLastSlicesOnRequest() throws Exception {
        List<BufferedImage> volume = new ArrayList<>();
        List<BufferedImage> labels = new ArrayList<>();
        for (int s = 0; s < 30; s++) {
            volume.add(Fixtures.grey(W, H, Fixtures.labels(W, H, s)));
            labels.add(Fixtures.grey(W, H, Fixtures.labels(W, H, 255, 0, 0, 0)));
        }
        Fixtures.tiff(root.resolve("train-volume.tif"), volume);
        Fixtures.tiff(root.resolve("train-labels.tif"), labels);
        SegmentationDataset val = Datasets.open(root, Split.VAL);
        SegmentationDataset train = Datasets.open(root, Split.TRAIN);
        assertEquals(10, val.size());
        assertEquals(20, train.size());
        int[] drawn = IsbiEmDataset.drawnValSlices(30, 10, 42);
        Set<String> all = new TreeSet<>();
        for (int i = 0; i < 10; i++) {
            assertEquals(String.format(Locale.ROOT, "train-volume_%02d", drawn[i]), val.get(i).id());
            all.add(val.get(i).id());
        }
        for (int i = 0; i < 20; i++) {
            assertTrue(all.add(train.get(i).id()), "train and val are disjoint");
        }
        assertEquals(30, all.size());
        assertTrue(drawn[9] - drawn[0] > 9, "drawn, not a contiguous block: " + Arrays.toString(drawn));
        assertArrayEquals(drawn, IsbiEmDataset.drawnValSlices(30, 10, 42), "the same slices every time");
        // the reference's slices: np.random.seed(42); np.random.choice(30, 10, replace=False), sorted
        assertArrayEquals(new int[] {0, 8, 9, 12, 15, 17, 23, 24, 27, 28}, drawn);
        assertTrue(!Arrays.equals(drawn, IsbiEmDataset.drawnValSlices(30, 10, 7)), "another seed draws others");

        SegmentationDataset last = Datasets.open("em", root, Split.VAL, Map.of("valSplit", "last"));
        assertEquals(List.of("train-volume_25", "train-volume_29"), List.of(last.get(0).id(), last.get(4).id()));
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.open("em", root, Split.VAL, Map.of("valSplit", "random")));
        assertEquals("data option valSplit=random: expected drawn (the default: slices drawn with valSeed, as the "
                + "reference) or last (the last valSlices slices)", e.getMessage());
    }

    @Test
    void cocoStuff182KeepsTheReferenceIdLayout() throws Exception {
        LabelSpace l182 = Datasets.builtInLabels("coco-stuff-182");
        assertEquals(182, l182.numClasses());
        assertEquals("street sign", l182.classes().get(11).name());
        assertEquals("stop sign", l182.classes().get(12).name());
        assertEquals("hair brush", l182.classes().get(90).name());
        assertEquals("wood", l182.classes().get(181).name());
        Fixtures.jpg(root.resolve("images/train2017/000000000009.jpg"), W, H, 3);
        Fixtures.greyPng(root.resolve("annotations/train2017/000000000009.png"),
                Fixtures.labels(W, H, 255, 0, 0, 0, 1, 0, 91, 2, 0, 181, 3, 0, 12, 4, 0, 11), W, H);
        SegmentationDataset ds = Datasets.open("coco-stuff", root, Split.TRAIN, Map.of("classes", "182"));
        assertEquals("coco-stuff-182/train", ds.name());
        int[] l = ds.get(0).labels();
        assertEquals(List.of(0, 91, 181, 12, 11, 255), List.of(l[0], l[1], l[2], l[3], l[4], l[5]));
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.open(root, Split.TRAIN).get(0));
        assertTrue(e.getMessage().contains("has value 11 at (x=4, y=0)"), "the 171-class default refuses it: " + e.getMessage());
        assertEquals(182 * 12, Presets.get("coco-stuff-182",
                ModelKind.SCALEPROTOSEG).network().numPrototypes());
        assertEquals("coco-stuff-182", Presets.forFormat("coco", Map.of("classes", "182")));
    }
}
