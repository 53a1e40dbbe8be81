package io.scaleprotoseg.trainer.data;

import static io.scaleprotoseg.trainer.data.Fixtures.H;
import static io.scaleprotoseg.trainer.data.Fixtures.W;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No silent label damage: wrong kinds of label files are refused with the file, the pixel and the likely cause. */
class LabelDamageTest {
    @TempDir
    Path root;

    private static final String CITY = "aachen";
    private static final String ID = "aachen_000000_000019";

    /** A street scene in labelIds: road 7, sky 23, car 26, ego vehicle 1, out of roi 3, bicycle 33. */
    private static int[] labelIds() {
        return Fixtures.labels(W, H, 7, 0, 0, 23, 1, 0, 26, 2, 0, 1, 3, 0, 3, 4, 0, 33, 5, 0, 8);
    }

    private Path cityscapes(int[] labelIds) throws Exception {
        Fixtures.rgbPng(root.resolve("leftImg8bit/train/" + CITY + "/" + ID + "_leftImg8bit.png"), W, H, 1);
        Path label = root.resolve("gtFine/train/" + CITY + "/" + ID + "_gtFine_labelIds.png");
        Fixtures.greyPng(label, labelIds, W, H);
        return label;
    }

    /** What createTrainIdLabelImgs writes for {@link #labelIds()}. */
    private static int[] trainIds(int[] labelIds) {
        int[] t = new int[labelIds.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = CityscapesDataset.trainId(labelIds[i]);
        }
        return t;
    }

    @Test
    void cityscapesTrainIdsImageUnderTheLabelIdsNameIsRefused() throws Exception {
        Path label = cityscapes(trainIds(labelIds()));
        DatasetException e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root, Split.TRAIN).get(0));
        assertEquals("label " + label + " holds only the values 0..18 and 255: this looks like a trainIds image "
                + "(gtFine_labelTrainIds) saved under the labelIds name; read trainIds files with --data-option "
                + "labels=trainIds, or use the release's gtFine_labelIds.png files", e.getMessage());
        assertEquals(DatasetException.LABEL_KIND, e.anomaly());
    }

    @Test
    void cityscapesValuesOutsideTheOfficialTableAreRefusedWithPixelAndCause() throws Exception {
        int[] v = labelIds();
        v[2 * W + 5] = 40;
        Path label = cityscapes(v);
        DatasetException e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root, Split.TRAIN).get(0));
        assertEquals("label " + label + " has value 40 at (x=5, y=2), outside the label range: expected Cityscapes labelIds "
                + "0..33 (or 255, void); official labelIds hold 0..33 only: this file is not a labelIds image (a colour "
                + "rendering, a re-encoded or resized copy, or another data set's labels?); use the release's "
                + "gtFine_labelIds.png files, or --data-option labels=trainIds for gtFine_labelTrainIds.png files",
                e.getMessage());
        assertEquals(DatasetException.LABEL_VALUE, e.anomaly());
        for (int bad : new int[] {34, 100, 254}) {
            v[0] = bad;
            cityscapes(v);
            e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root, Split.TRAIN).get(0));
            assertTrue(e.getMessage().contains("has value " + bad + " at (x=0, y=0)"), e.getMessage());
        }
        int[] instances = labelIds();
        instances[3] = 26001;
        cityscapes(instances);
        e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root, Split.TRAIN).get(0));
        assertTrue(e.getMessage().contains("value 26001 at (x=3, y=0)") && e.getMessage().contains("instanceIds image"),
                e.getMessage());
    }

    @Test
    void cityscapesOfficialLabelIdsStillMapAsBefore() throws Exception {
        int[] v = labelIds();
        v[6] = 255; // license plate (-1) as some tools store it: void
        cityscapes(v);
        int[] l = CityscapesDataset.open(root, Split.TRAIN).get(0).labels();
        assertEquals(List.of(10, 13, 255, 255, 18, 1, 255), List.of(l[0], l[1], l[2], l[3], l[4], l[5], l[6]));
        assertEquals(0, l[W]);
    }

    @Test
    void cityscapesTrainIdsFilesAreReadWithTheLabelsOption() throws Exception {
        cityscapes(labelIds());
        Path trainIdFile = root.resolve("gtFine/train/" + CITY + "/" + ID + "_gtFine_labelTrainIds.png");
        Fixtures.greyPng(trainIdFile, trainIds(labelIds()), W, H);
        SegmentationDataset ds = Datasets.open("cityscapes", root, Split.TRAIN, Map.of("labels", "trainIds"));
        assertArrayEquals(CityscapesDataset.open(root, Split.TRAIN).get(0).labels(), ds.get(0).labels());

        // a labelIds image under the trainIds name is named as such
        Fixtures.greyPng(trainIdFile, labelIds(), W, H);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.open("cityscapes", root, Split.TRAIN, Map.of("labels", "trainIds")).get(0));
        assertEquals("label " + trainIdFile + " has value 23 at (x=0, y=0), outside the label range: expected Cityscapes "
                + "trainIds 0..18 (or 255, void); this looks like a labelIds image (ids up to 33) saved under the trainIds "
                + "name; read labelIds files without --data-option labels=trainIds", e.getMessage());

        // only trainIds files there: the missing-label error says which option reads them
        Files.delete(root.resolve("gtFine/train/" + CITY + "/" + ID + "_gtFine_labelIds.png"));
        e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().endsWith("; only " + ID + "_gtFine_labelTrainIds.png is there: use --data-option "
                + "labels=trainIds"), e.getMessage());
        e = assertThrows(DatasetException.class,
                () -> Datasets.open("cityscapes", root, Split.TRAIN, Map.of("labels", "colour")));
        assertEquals("data option labels=colour: expected labelIds (the release's *_gtFine_labelIds.png, the default) or "
                + "trainIds (*_gtFine_labelTrainIds.png)", e.getMessage());
    }

    private static void writeJpegBytes(Path file, int[] values) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(Fixtures.grey(W, H, values), "jpg", out);
        Files.createDirectories(file.getParent());
        Files.write(file, out.toByteArray());
    }

    @Test
    void aLabelFileWhoseBytesAreJpegIsRefusedWhateverItsName() throws Exception {
        Path label = cityscapes(labelIds());
        writeJpegBytes(label, labelIds());
        DatasetException e = assertThrows(DatasetException.class, () -> CityscapesDataset.open(root, Split.TRAIN).get(0));
        assertEquals("label " + label + " holds JPEG data under a .png name: JPEG is lossy, so its values are wrong along "
                + "every class border and no longer ids; use the original lossless PNG label files of the data set",
                e.getMessage());
        assertEquals(DatasetException.LOSSY_LABEL, e.anomaly());

        // the same in the generic folder format and ADE20K
        Path ade = root.resolve("ade");
        Fixtures.jpg(ade.resolve("images/training/ADE_train_00000001.jpg"), W, H, 1);
        writeJpegBytes(ade.resolve("annotations/training/ADE_train_00000001.png"), Fixtures.labels(W, H, 3));
        e = assertThrows(DatasetException.class, () -> Ade20kDataset.open(ade, Split.TRAIN).get(0));
        assertTrue(e.getMessage().startsWith("label " + ade.resolve("annotations/training/ADE_train_00000001.png")
                + " holds JPEG data under a .png name"), e.getMessage());
    }

    // ---------------------------------------------------------------- EM

    private static List<BufferedImage> volume(int n) {
        List<BufferedImage> out = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            out.add(Fixtures.grey(W, H, Fixtures.labels(W, H, 40 + s)));
        }
        return out;
    }

    /** Membrane (black) on the pixels where (i + s) % 3 == 0, cell (white) elsewhere. */
    private static boolean membrane(int i, int s) {
        return (i + s) % 3 == 0;
    }

    @Test
    void emBilevelStacksDecodeToBothClasses() throws Exception {
        List<BufferedImage> pages = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            BufferedImage b = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_BINARY);
            for (int i = 0; i < W * H; i++) {
                b.setRGB(i % W, i / W, membrane(i, s) ? 0x000000 : 0xffffff);
            }
            pages.add(b);
        }
        Fixtures.tiff(root.resolve("train-volume.tif"), volume(4));
        Fixtures.tiff(root.resolve("train-labels.tif"), pages);
        BufferedImage back = ImageFiles.readPages(root.resolve("train-labels.tif"), "EM labels").get(0);
        assertEquals(1, back.getRaster().getSampleModel().getSampleSize(0), "the fixture is really 1-bit");
        IsbiEmDataset train = IsbiEmDataset.open(root, Split.TRAIN, 1);
        for (int s = 0; s < 3; s++) {
            int[] l = train.get(s).labels();
            for (int i = 0; i < l.length; i++) {
                assertEquals(membrane(i, s) ? 0 : 1, l[i], "slice " + s + " pixel " + i);
            }
        }
    }

    @Test
    void emGreyValuesOtherThanTheTwoClassesAreRefused() throws Exception {
        List<BufferedImage> labels = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int[] v = new int[W * H];
            for (int i = 0; i < v.length; i++) {
                v[i] = membrane(i, s) ? 0 : 255;
            }
            labels.add(Fixtures.grey(W, H, v));
        }
        Fixtures.tiff(root.resolve("train-volume.tif"), volume(3));
        Fixtures.tiff(root.resolve("train-labels.tif"), labels);
        int[] l = IsbiEmDataset.open(root, Split.TRAIN, 1).get(1).labels();
        assertEquals(0, l[2]);
        assertEquals(1, l[0]);
        for (int bad : new int[] {127, 128, 1, 254}) {
            int[] v = labels.get(1).getRaster().getSamples(0, 0, W, H, 0, new int[W * H]);
            v[3 * W + 7] = bad;
            List<BufferedImage> damaged = new ArrayList<>(labels);
            damaged.set(1, Fixtures.grey(W, H, v));
            Fixtures.tiff(root.resolve("train-labels.tif"), damaged);
            DatasetException e = assertThrows(DatasetException.class, () -> IsbiEmDataset.open(root, Split.TRAIN, 1));
            assertEquals("EM labels " + root.resolve("train-labels.tif") + " slice 1 has value " + bad + " at (x=7, y=3): "
                    + "expected only black (0, membrane) and white (255, cell); the ISBI labels are binary, so this is a "
                    + "resampled, smoothed or lossy copy: use the original train-labels.tif", e.getMessage());
        }
    }
}
