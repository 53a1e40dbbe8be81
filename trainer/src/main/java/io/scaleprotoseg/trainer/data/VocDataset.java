package io.scaleprotoseg.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pascal VOC 2012 segmentation, optionally with the SBD "train_aug" training set.
 *
 * <pre>
 * ROOT/JPEGImages/ID.jpg
 * ROOT/SegmentationClass/ID.png                 palette PNG: the palette INDEX is the class
 * ROOT/ImageSets/Segmentation/{train,val}.txt   one ID per line (test.txt for the test release)
 * ROOT/ImageSets/Segmentation/train_aug.txt     SBD train_aug list (10582 ids), with trainAug
 * ROOT/SegmentationClassAug/ID.png              SBD labels as grey index PNGs, with trainAug
 * </pre>
 *
 * <p>ROOT may also be a folder holding {@code VOC2012/} or {@code VOCdevkit/VOC2012/} ({@link #resolveRoot}).
 * Labels: 0 background, 1..20 the classes, 255 the void boundary; any other index is an error. The
 * colour of a label PNG is never looked at, only its index (grey PNGs work the same way).
 *
 * <p>With {@code trainAug}, the train split reads the train_aug list and takes each label from
 * SegmentationClassAug/, falling back to SegmentationClass/ for ids that only the latter has. List
 * lines may be bare ids or DeepLab's "/JPEGImages/ID.jpg /SegmentationClassAug/ID.png" pairs: the
 * id is the file name of the first token without extension. The val split is always the official
 * val.txt. A test split (test.txt) without label files gets all-void labels. Sample ids are the VOC ids.
 */
public final class VocDataset {
    private static final List<String> NAMES = List.of("background", "aeroplane", "bicycle", "bird", "boat", "bottle",
            "bus", "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
            "sheep", "sofa", "train", "tvmonitor");

    /** The 21 VOC classes with the VOC palette colours, void 255. */
    public static final LabelSpace LABELS = new LabelSpace(Palettes.classes(NAMES, Palettes.voc()), 255);

    /** The SBD list file name in ImageSets/Segmentation. */
    public static final String TRAIN_AUG_LIST = "train_aug.txt";

    private VocDataset() {
    }

    /** {@code root}, or its VOC2012/ or VOCdevkit/VOC2012/ sub-folder when root does not hold JPEGImages/. */
    public static Path resolveRoot(Path root) {
        if (Files.isDirectory(root.resolve("JPEGImages"))) {
            return root;
        }
        for (Path sub : List.of(root.resolve("VOC2012"), root.resolve("VOCdevkit").resolve("VOC2012"))) {
            if (Files.isDirectory(sub.resolve("JPEGImages"))) {
                return sub;
            }
        }
        return root;
    }

    /**
     * Opens one split.
     *
     * @param trainAug read the SBD train_aug list and labels for the train split
     * @throws DatasetException naming the list or file at fault
     */
    public static SegmentationDataset open(Path root, Split split, boolean trainAug) throws DatasetException {
        Path base = resolveRoot(root);
        Path lists = base.resolve("ImageSets").resolve("Segmentation");
        boolean aug = trainAug && split == Split.TRAIN;
        Path listFile = lists.resolve(aug ? TRAIN_AUG_LIST : split.id() + ".txt");
        List<String> ids = FileDataset.readList(listFile);
        Path images = base.resolve("JPEGImages");
        Path classDir = base.resolve("SegmentationClass");
        Path augDir = base.resolve("SegmentationClassAug");
        if (aug && !Files.isDirectory(augDir)) {
            throw new DatasetException("train_aug needs the SBD labels in " + augDir + ", which does not exist");
        }
        List<FileDataset.Entry> entries = new ArrayList<>(ids.size());
        for (String id : ids) {
            Path image = images.resolve(id + ".jpg");
            if (!Files.isRegularFile(image)) {
                throw new DatasetException("image " + image + " listed in " + listFile + " does not exist");
            }
            Path label = aug ? augDir.resolve(id + ".png") : classDir.resolve(id + ".png");
            if (aug && !Files.isRegularFile(label)) {
                label = classDir.resolve(id + ".png");
            }
            if (!Files.isRegularFile(label)) {
                if (split != Split.TEST) {
                    throw new DatasetException("image " + image + " listed in " + listFile + " has no label: expected "
                            + (aug ? augDir.resolve(id + ".png") + " or " : "") + classDir.resolve(id + ".png"));
                }
                label = null;
            }
            entries.add(new FileDataset.Entry(id, image, label, null));
        }
        int[] table = new int[256];
        Arrays.fill(table, LabelMapping.INVALID);
        for (int i = 0; i < NAMES.size(); i++) {
            table[i] = i;
        }
        table[255] = 255;
        return new FileDataset("voc/" + (aug ? "train_aug" : split.id()), LABELS, List.of(), entries,
                new LabelMapping(table, LabelMapping.describe(LABELS)), null);
    }
}
