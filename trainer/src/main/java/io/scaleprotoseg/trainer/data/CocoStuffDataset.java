package io.scaleprotoseg.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * COCO-Stuff 164k, as released:
 *
 * <pre>
 * ROOT/images/{train2017,val2017}/NAME.jpg
 * ROOT/stuffthingmaps_trainval2017/{train2017,val2017}/NAME.png    8-bit grey label maps
 *   or ROOT/annotations/{train2017,val2017}/NAME.png                 (stuffthingmaps_trainval2017.zip
 *                                                                      unzipped into annotations/)
 * ROOT/images/test2017/NAME.jpg                                    test images, no labels
 * </pre>
 *
 * <p>The label folder is the first of {@link #LABEL_DIRS} that holds the split's folder.
 *
 * <p>Label values are the COCO-Stuff ids minus one: 0..90 things (COCO ids 1..91), 91..181 stuff
 * (ids 92..182), 255 unlabelled (void). Eleven thing ids were never annotated (street sign, hat,
 * shoe, eye glasses, plate, mirror, window, desk, door, blender, hair brush). <b>Id mapping:</b> the
 * 171 ids that occur are compacted, in increasing order, to classes 0..170 (person = 0, ..., wood =
 * 170), the 171-class setting in which COCO-Stuff results are reported; the eleven unused values are
 * errors, as are values 182..254. Colours: the fixed generated palette {@link Palettes#generated}(171).
 *
 * <p><b>182 classes</b> ({@code --data-option classes=182}, {@link #LABELS_182}): the reference's
 * id layout, class = raw value (COCO id - 1) for all 182 ids, the eleven never-annotated thing ids
 * included (they get no pixel), as the reference's configurations and checkpoints have 182 outputs;
 * for imported reference checkpoints and figures comparable with the reference. Values 182..254 are
 * still errors.
 * Sample ids are the image file names without extension. The test split has no labels: all void.
 */
public final class CocoStuffDataset {
    /** Names by raw label value 0..181 (id - 1); null for the eleven ids that are not used. */
    private static final String[] RAW_NAMES = {
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", null, "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep",
        "cow", "elephant", "bear", "zebra", "giraffe", null, "backpack", "umbrella", null, null,
        "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat",
        "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", null, "wine glass", "cup", "fork",
        "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog",
        "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", null, "dining table", null, null,
        "toilet", null, "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
        "toaster", "sink", "refrigerator", null, "book", "clock", "vase", "scissors", "teddy bear", "hair drier",
        "toothbrush", null,
        "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet", "cage", "cardboard",
        "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds", "counter", "cupboard", "curtain",
        "desk-stuff", "dirt", "door-stuff", "fence", "floor-marble", "floor-other", "floor-stone", "floor-tile",
        "floor-wood", "flower", "fog", "food-other", "fruit", "furniture-other", "grass", "gravel",
        "ground-other", "hill", "house", "leaves", "light", "mat", "metal", "mirror-stuff", "moss", "mountain",
        "mud", "napkin", "net", "paper", "pavement", "pillow", "plant-other", "plastic", "platform",
        "playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug", "salad", "sand", "sea",
        "shelf", "sky-other", "skyscraper", "snow", "solid-other", "stairs", "stone", "straw", "structural-other",
        "table", "tent", "textile-other", "towel", "tree", "vegetable", "wall-brick", "wall-concrete", "wall-other",
        "wall-panel", "wall-stone", "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind",
        "window-other", "wood"};

    /** The names of the eleven thing ids never annotated, by raw value (COCO id - 1). */
    private static final Map<Integer, String> UNUSED = Map.ofEntries(
            Map.entry(11, "street sign"), Map.entry(25, "hat"), Map.entry(28, "shoe"),
            Map.entry(29, "eye glasses"), Map.entry(44, "plate"), Map.entry(65, "mirror"),
            Map.entry(67, "window"), Map.entry(68, "desk"), Map.entry(70, "door"),
            Map.entry(82, "blender"), Map.entry(90, "hair brush"));

    /** Raw value -> compact class id, {@link LabelMapping#INVALID} for unused values. */
    private static final int[] TABLE = new int[256];
    /** The 171 classes, void 255. */
    public static final LabelSpace LABELS;
    /** The reference's 182 classes (class = raw value), void 255. */
    public static final LabelSpace LABELS_182;
    private static final int[] TABLE_182 = new int[256];

    static {
        if (RAW_NAMES.length != 182) {
            throw new AssertionError("COCO-Stuff table has " + RAW_NAMES.length + " ids");
        }
        Arrays.fill(TABLE, LabelMapping.INVALID);
        List<String> names = new ArrayList<>();
        for (int v = 0; v < RAW_NAMES.length; v++) {
            if (RAW_NAMES[v] != null) {
                TABLE[v] = names.size();
                names.add(RAW_NAMES[v]);
            }
        }
        TABLE[255] = 255;
        LABELS = new LabelSpace(Palettes.classes(names, Palettes.generated(names.size())), 255);
        Arrays.fill(TABLE_182, LabelMapping.INVALID);
        List<String> all = new ArrayList<>();
        for (int v = 0; v < RAW_NAMES.length; v++) {
            TABLE_182[v] = v;
            all.add(RAW_NAMES[v] != null ? RAW_NAMES[v] : UNUSED.get(v));
        }
        TABLE_182[255] = 255;
        LABELS_182 = new LabelSpace(Palettes.classes(all, Palettes.generated(all.size())), 255);
    }

    /** The label folders looked for under ROOT, in this order. */
    public static final List<String> LABEL_DIRS = List.of("stuffthingmaps_trainval2017", "annotations");

    private CocoStuffDataset() {
    }

    /** The label folder of ROOT holding train2017/ or val2017/ ({@link #LABEL_DIRS}), or null. */
    public static Path labelRoot(Path root) {
        for (String d : LABEL_DIRS) {
            Path p = root.resolve(d);
            if (Files.isDirectory(p.resolve("train2017")) || Files.isDirectory(p.resolve("val2017"))) {
                return p;
            }
        }
        return null;
    }

    /** The compact class id (0..170) of a raw label value, 255 for void, -1 for values that are not used. */
    public static int classOf(int rawValue) {
        int m = rawValue >= 0 && rawValue < TABLE.length ? TABLE[rawValue] : LabelMapping.INVALID;
        return m == LabelMapping.INVALID ? -1 : m;
    }

    /**
     * Opens one split.
     *
     * @throws DatasetException naming the directory or file at fault
     */
    public static SegmentationDataset open(Path root, Split split) throws DatasetException {
        return open(root, split, false);
    }

    /**
     * Opens one split.
     *
     * @param reference182 the reference's 182 classes instead of the 171 that occur
     * @throws DatasetException naming the directory or file at fault
     */
    public static SegmentationDataset open(Path root, Split split, boolean reference182) throws DatasetException {
        String dir = switch (split) {
            case TRAIN -> "train2017";
            case VAL -> "val2017";
            case TEST -> "test2017";
        };
        Path imageDir = root.resolve("images").resolve(dir);
        Path labels = labelRoot(root);
        Path labelDir = split == Split.TEST ? null
                : (labels == null ? root.resolve(LABEL_DIRS.get(0)) : labels).resolve(dir);
        List<FileDataset.Entry> entries = FileDataset.pairedEntries(split, imageDir, labelDir, "label");
        if (reference182) {
            return new FileDataset("coco-stuff-182/" + split.id(), LABELS_182, List.of(), entries,
                    new LabelMapping(TABLE_182, "COCO-Stuff values 0..181 or the void label 255"), null);
        }
        return new FileDataset("coco-stuff/" + split.id(), LABELS, List.of(), entries,
                new LabelMapping(TABLE, "COCO-Stuff values 0..181 except the 11 unused thing ids "
                        + "(11, 25, 28, 29, 44, 65, 67, 68, 70, 82, 90), or the void label 255"), null);
    }
}
