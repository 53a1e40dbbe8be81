package io.scaleprotoseg.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Cityscapes (fine annotations), as released:
 *
 * <pre>
 * ROOT/leftImg8bit/{train,val,test}/CITY/CITY_SEQ_FRAME_leftImg8bit.png
 * ROOT/gtFine/{train,val,test}/CITY/CITY_SEQ_FRAME_gtFine_labelIds.png
 * </pre>
 *
 * <p>The labelIds (0..33) are mapped to the 19 standard train ids of the official table (road 7 -> 0,
 * sidewalk 8 -> 1, building 11 -> 2, wall 12 -> 3, fence 13 -> 4, pole 17 -> 5, traffic light 19 -> 6,
 * traffic sign 20 -> 7, vegetation 21 -> 8, terrain 22 -> 9, sky 23 -> 10, person 24 -> 11,
 * rider 25 -> 12, car 26 -> 13, truck 27 -> 14, bus 28 -> 15, train 31 -> 16, motorcycle 32 -> 17,
 * bicycle 33 -> 18); every other value is void (255), never an error. Colours are the official ones.
 * Sample ids are {@code CITY_SEQ_FRAME}; samples are ordered by city, then file name.
 *
 * <p>Test split: the public release has no real test labels (its gtFine/test files are placeholders
 * that map to all void). A test image whose label file is missing gets all-void labels, so the test
 * split can be opened for prediction either way. In train and val a missing label file is an error.
 */
public final class CityscapesDataset {
    /** labelId -> train id, the official table; 255 for void. */
    private static final int[] TRAIN_IDS = new int[256];
    private static final String[] NAMES = {"road", "sidewalk", "building", "wall", "fence", "pole", "traffic light",
        "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
        "motorcycle", "bicycle"};
    private static final int[] COLORS = {0x804080, 0xF423E8, 0x464646, 0x66669C, 0xBE9999, 0x999999, 0xFAAA1E,
        0xDCDC00, 0x6B8E23, 0x98FB98, 0x4682B4, 0xDC143C, 0xFF0000, 0x00008E, 0x000046, 0x003C64, 0x005064,
        0x0000E6, 0x770B20};
    private static final int[] LABEL_IDS = {7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33};

    static {
        Arrays.fill(TRAIN_IDS, 255);
        for (int t = 0; t < LABEL_IDS.length; t++) {
            TRAIN_IDS[LABEL_IDS[t]] = t;
        }
    }

    /** The 19 Cityscapes classes with the official colours, void 255. */
    public static final LabelSpace LABELS = new LabelSpace(Palettes.classes(List.of(NAMES), COLORS), 255);

    private static final String IMAGE_SUFFIX = "_leftImg8bit.png";
    private static final String LABEL_SUFFIX = "_gtFine_labelIds.png";

    private CityscapesDataset() {
    }

    /** The train id of a Cityscapes labelId (255 for void). */
    public static int trainId(int labelId) {
        return labelId >= 0 && labelId < TRAIN_IDS.length ? TRAIN_IDS[labelId] : 255;
    }

    /**
     * Opens one split.
     *
     * @throws DatasetException naming the directory or file at fault
     */
    public static SegmentationDataset open(Path root, Split split) throws DatasetException {
        Path imageDir = root.resolve("leftImg8bit").resolve(split.id());
        Path labelDir = root.resolve("gtFine").resolve(split.id());
        if (!Files.isDirectory(imageDir)) {
            throw new DatasetException("empty split '" + split.id() + "': " + imageDir + " does not exist");
        }
        List<FileDataset.Entry> entries = new ArrayList<>();
        for (Path cityDir : FileDataset.subdirectories(imageDir)) {
            for (Path image : FileDataset.list(cityDir, n -> n.endsWith(IMAGE_SUFFIX.toLowerCase(Locale.ROOT)))) {
                String file = image.getFileName().toString();
                String id = file.substring(0, file.length() - IMAGE_SUFFIX.length());
                Path label = labelDir.resolve(cityDir.getFileName().toString()).resolve(id + LABEL_SUFFIX);
                if (!Files.isRegularFile(label)) {
                    if (split != Split.TEST) {
                        throw new DatasetException("image " + image + " has no label: expected " + label);
                    }
                    label = null;
                }
                entries.add(new FileDataset.Entry(id, image, label, null));
            }
        }
        if (entries.isEmpty()) {
            throw new DatasetException("empty split '" + split.id() + "': no *" + IMAGE_SUFFIX + " files in the city folders of "
                    + imageDir);
        }
        int[] table = new int[256];
        for (int v = 0; v < 256; v++) {
            table[v] = trainId(v);
        }
        return new FileDataset("cityscapes/" + split.id(), LABELS, List.of(), entries,
                new LabelMapping(table, "8-bit labelIds"), null);
    }
}
