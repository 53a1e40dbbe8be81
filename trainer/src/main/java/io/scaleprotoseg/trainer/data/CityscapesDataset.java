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
 * bicycle 33 -> 18); the other ids of the table (0..6, 9, 10, 14..16, 18, 29, 30) are void (255), and
 * so is 255 (license plate's id -1 as some tools store it). Any other value (34..254, or above 255 in
 * a 16-bit file such as gtFine_instanceIds) is refused with the file, the pixel and the likely cause,
 * and so is a file whose values all lie in 0..18 and 255 and that holds 255 or an id of 7..18 with
 * none of 19..33 (no sky, vegetation, vehicle, person or sign): that is a labelTrainIds image under
 * the labelIds name. Colours are the official ones. Sample ids are {@code CITY_SEQ_FRAME}; samples are ordered by
 * city, then file name.
 *
 * <p><b>{@code labels=trainIds}</b> ({@link LabelFiles#TRAIN_IDS}) reads the
 * {@code CITY_SEQ_FRAME_gtFine_labelTrainIds.png} files that cityscapesScripts'
 * createTrainIdLabelImgs writes beside the labelIds: 0..18 are the classes, 255 void, other values
 * refused (a file holding labelIds 19..33 is named as such).
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
    /** The largest id of the official table (bicycle). */
    private static final int MAX_LABEL_ID = 33;

    /** Which label files a split reads. */
    public enum LabelFiles {
        /** {@code *_gtFine_labelIds.png}, ids 0..33 of the official table (the release's files; the default). */
        LABEL_IDS("labelIds", "_gtFine_labelIds.png"),
        /** {@code *_gtFine_labelTrainIds.png}, train ids 0..18 and 255 (written by createTrainIdLabelImgs). */
        TRAIN_IDS("trainIds", "_gtFine_labelTrainIds.png");

        private final String option;
        private final String suffix;

        LabelFiles(String option, String suffix) {
            this.option = option;
            this.suffix = suffix;
        }

        /** The value of the data option {@code labels}. */
        public String option() {
            return option;
        }

        /** The label file name suffix after CITY_SEQ_FRAME. */
        public String suffix() {
            return suffix;
        }

        /**
         * The label files named by a {@code labels} option value (case-insensitive).
         *
         * @throws DatasetException for any other value, listing the accepted ones
         */
        public static LabelFiles parse(String value) throws DatasetException {
            for (LabelFiles f : values()) {
                if (f.option.equalsIgnoreCase(value.strip())) {
                    return f;
                }
            }
            throw new DatasetException("data option labels=" + value + ": expected labelIds (the release's "
                    + "*_gtFine_labelIds.png, the default) or trainIds (*_gtFine_labelTrainIds.png)");
        }
    }

    private CityscapesDataset() {
    }

    /** The train id of a Cityscapes labelId (255 for void). */
    public static int trainId(int labelId) {
        return labelId >= 0 && labelId < TRAIN_IDS.length ? TRAIN_IDS[labelId] : 255;
    }

    /** Opens one split reading the release's labelIds files. */
    public static SegmentationDataset open(Path root, Split split) throws DatasetException {
        return open(root, split, LabelFiles.LABEL_IDS);
    }

    /**
     * Opens one split.
     *
     * @param labelFiles which label files to read
     * @throws DatasetException naming the directory or file at fault
     */
    public static SegmentationDataset open(Path root, Split split, LabelFiles labelFiles) throws DatasetException {
        Path imageDir = root.resolve("leftImg8bit").resolve(split.id());
        Path labelDir = root.resolve("gtFine").resolve(split.id());
        if (!Files.isDirectory(imageDir)) {
            throw new DatasetException("empty split '" + split.id() + "': " + imageDir + " does not exist");
        }
        String labelSuffix = labelFiles.suffix();
        List<FileDataset.Entry> entries = new ArrayList<>();
        for (Path cityDir : FileDataset.subdirectories(imageDir)) {
            for (Path image : FileDataset.list(cityDir, n -> n.endsWith(IMAGE_SUFFIX.toLowerCase(Locale.ROOT)))) {
                String file = image.getFileName().toString();
                String id = file.substring(0, file.length() - IMAGE_SUFFIX.length());
                Path label = labelDir.resolve(cityDir.getFileName().toString()).resolve(id + labelSuffix);
                if (!Files.isRegularFile(label)) {
                    if (split != Split.TEST) {
                        Path other = labelDir.resolve(cityDir.getFileName().toString()).resolve(id
                                + (labelFiles == LabelFiles.LABEL_IDS ? LabelFiles.TRAIN_IDS : LabelFiles.LABEL_IDS).suffix());
                        FileDataset.unpaired("image " + image + " has no label: expected " + label
                                + (!Files.isRegularFile(other) ? "" : labelFiles == LabelFiles.LABEL_IDS
                                        ? "; only " + other.getFileName() + " is there: use --data-option labels=trainIds"
                                        : "; only " + other.getFileName() + " is there: drop --data-option labels=trainIds"));
                        continue;
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
        return new FileDataset("cityscapes/" + split.id(), LABELS, List.of(), entries,
                labelFiles == LabelFiles.LABEL_IDS ? labelIdMapping() : trainIdMapping(), null);
    }

    /** labelIds: the official table; 255 is void too; everything else refused with its likely cause. */
    private static LabelMapping labelIdMapping() {
        int[] table = new int[256];
        Arrays.fill(table, LabelMapping.INVALID);
        for (int v = 0; v <= MAX_LABEL_ID; v++) {
            table[v] = trainId(v);
        }
        table[255] = 255;
        return new LabelMapping(table, "Cityscapes labelIds 0.." + MAX_LABEL_ID + " (or 255, void)") {
            @Override
            String wrongKind(int[] raw) {
                // official labelIds never hold 255, and a street scene has ids above 18 (sky, vegetation, car,
                // person ...); a trainIds image holds 0..18 and 255 only. Void-only files (0..6, the test
                // split's placeholders) are left alone.
                boolean has255 = false;
                boolean hasClass = false;
                for (int v : raw) {
                    if (v > 18 && v != 255) {
                        return null;
                    }
                    has255 |= v == 255;
                    hasClass |= v >= 7 && v <= 18;
                }
                return has255 || hasClass ? "holds only the values 0..18 and 255: this looks like a trainIds image (gtFine_labelTrainIds) "
                        + "saved under the labelIds name; read trainIds files with --data-option labels=trainIds, or use "
                        + "the release's gtFine_labelIds.png files" : null;
            }

            @Override
            String likelyCause(int value, int[] raw) {
                if (value > 255) {
                    return "a 16-bit value: this looks like an instanceIds image (gtFine_instanceIds, class id x 1000 + "
                            + "instance) saved under the labelIds name; use the release's gtFine_labelIds.png files";
                }
                return "official labelIds hold 0.." + MAX_LABEL_ID + " only: this file is not a labelIds image (a colour "
                        + "rendering, a re-encoded or resized copy, or another data set's labels?); use the release's "
                        + "gtFine_labelIds.png files, or --data-option labels=trainIds for gtFine_labelTrainIds.png files";
            }
        };
    }

    /** trainIds: 0..18 and 255; labelIds above 18 name the likely mix-up. */
    private static LabelMapping trainIdMapping() {
        int[] table = new int[256];
        Arrays.fill(table, LabelMapping.INVALID);
        for (int t = 0; t < LABEL_IDS.length; t++) {
            table[t] = t;
        }
        table[255] = 255;
        return new LabelMapping(table, "Cityscapes trainIds 0..18 (or 255, void)") {
            @Override
            String likelyCause(int value, int[] raw) {
                return value <= MAX_LABEL_ID
                        ? "this looks like a labelIds image (ids up to " + MAX_LABEL_ID + ") saved under the trainIds name; "
                                + "read labelIds files without --data-option labels=trainIds"
                        : "trainIds images hold 0..18 and 255 only: is this a colour rendering or a re-encoded copy?";
            }
        };
    }
}
