package io.scaleprotoseg.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path root;

    private Path dir(String name) throws Exception {
        return Files.createDirectories(root.resolve(name));
    }

    @Test
    void detectsEachLayout() throws Exception {
        Path folder = dir("folder");
        Files.writeString(folder.resolve("classes.txt"), "0 a #000000\n");
        assertEquals("folder", Datasets.detectFormat(folder));

        Path city = dir("city");
        Files.createDirectories(city.resolve("leftImg8bit/train"));
        Files.createDirectories(city.resolve("gtFine/train"));
        assertEquals("cityscapes", Datasets.detectFormat(city));

        Path voc = dir("voc");
        Files.createDirectories(voc.resolve("VOCdevkit/VOC2012/JPEGImages"));
        Files.createDirectories(voc.resolve("VOCdevkit/VOC2012/ImageSets/Segmentation"));
        assertEquals("voc", Datasets.detectFormat(voc));

        Path ade = dir("ade");
        Files.createDirectories(ade.resolve("ADEChallengeData2016/images/training"));
        assertEquals("ade20k", Datasets.detectFormat(ade));

        Path coco = dir("coco");
        Files.createDirectories(coco.resolve("images/train2017"));
        Files.createDirectories(coco.resolve("stuffthingmaps_trainval2017/train2017"));
        assertEquals("coco-stuff", Datasets.detectFormat(coco));

        Path em = dir("em");
        Files.write(em.resolve("train-volume.tif"), new byte[0]);
        assertEquals("em", Datasets.detectFormat(em));

        Path fm = dir("fm");
        Files.write(fm.resolve("t10k-images-idx3-ubyte.gz"), new byte[0]);
        assertEquals("fashion-mnist", Datasets.detectFormat(fm));

        Path nothing = dir("nothing");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.detectFormat(nothing));
        assertTrue(e.getMessage().contains(nothing.toString()) && e.getMessage().contains("classes.txt"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.detectFormat(root.resolve("absent")));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void opensScenesWithOptionsAndWithoutRoot() throws Exception {
        SegmentationDataset ds = Datasets.open("scenes", null, Split.VAL,
                Map.of("seed", "7", "width", "64", "height", "48", "count", "5"));
        assertEquals(5, ds.size());
        assertEquals("scenes/val", ds.name());
        assertEquals(Scenes.PARTS, ds.parts());
        Sample s = ds.get(4);
        assertEquals(64, s.width());
        Sample direct = Scenes.defaults().withSeed(7).withSize(64, 48).scene(Split.VAL, 4).sample();
        assertArrayEquals(direct.image(), s.image());
        assertEquals(2, Datasets.open("synthetic", null, Split.TRAIN, Map.of("limit", "2")).size());
    }

    @Test
    void opensAFolderByDetectionAndAlias() throws Exception {
        Scenes.defaults().withSize(32, 24).withCounts(4, 2, 1).writeTo(root);
        SegmentationDataset train = Datasets.open(root, Split.TRAIN);
        assertEquals(4, train.size());
        assertEquals(3, Datasets.open("generic", root, Split.TRAIN, Map.of("limit", "3")).size());
        assertEquals(2, Datasets.open("auto", root, Split.VAL, Map.of()).size());
        assertThrows(IndexOutOfBoundsException.class, () -> Datasets.limit(train, 1).get(1));
    }

    @Test
    void rejectsUnknownFormatsOptionsAndBadValues() throws Exception {
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.open("kitti", root, Split.TRAIN, Map.of()));
        assertTrue(e.getMessage().contains("unknown data format 'kitti'") && e.getMessage().contains("cityscapes"),
                e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.open("scenes", null, Split.TRAIN, Map.of("sead", "1")));
        assertTrue(e.getMessage().contains("unknown option 'sead'") && e.getMessage().contains("seed"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.open("scenes", null, Split.TRAIN, Map.of("count", "many")));
        assertTrue(e.getMessage().contains("count=many"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.open("scenes", null, Split.TRAIN, Map.of("count", "0")));
        assertTrue(e.getMessage().contains("empty split 'train'"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.open("voc", root, Split.TRAIN, Map.of("trainAug", "maybe")));
        assertTrue(e.getMessage().contains("trainAug=maybe"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.open("cityscapes", null, Split.TRAIN, Map.of()));
        assertTrue(e.getMessage().contains("needs a root"), e.getMessage());
    }

    @Test
    void parsesCommandLineOptions() throws Exception {
        assertEquals(Map.of("seed", "3", "count", "10"), Datasets.parseOptions(List.of("seed=3", "count = 10")));
        assertThrows(DatasetException.class, () -> Datasets.parseOptions(List.of("seed")));
        assertThrows(DatasetException.class, () -> Datasets.parseOptions(List.of("a=1", "a=2")));
    }

    @Test
    void inMemoryDatasetReturnsCopies() throws Exception {
        InMemoryDataset mem = InMemoryDataset.load(Scenes.defaults().withSize(32, 24).withCounts(2, 1, 1).dataset(Split.TRAIN));
        assertEquals(2, mem.size());
        Sample a = mem.get(0);
        a.labels()[0] = 99;
        assertTrue(mem.get(0).labels()[0] != 99);
        assertEquals(Scenes.PARTS, mem.parts());
    }
}
