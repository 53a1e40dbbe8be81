package io.scaleprotoseg.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Pascal VOC 2012 segmentation, with the SBD "train_aug" training set when it is there.
 *
 * <pre>
 * ROOT/JPEGImages/ID.jpg
 * ROOT/SegmentationClass/ID.png                 palette PNG: the palette INDEX is the class
 * ROOT/ImageSets/Segmentation/{train,val}.txt   one ID per line (test.txt for the test release)
 * ROOT/ImageSets/SegmentationAug/train_aug.txt  the train_aug list (10582 ids); also aug.txt or trainaug.txt,
 *                                               and in ImageSets/Segmentation/
 * ROOT/SegmentationClassAug/ID.png              SBD labels as grey index PNGs (DeepLab's conversion), or
 * SBD/cls/ID.mat                                SBD's own labels (benchmark_RELEASE/dataset/cls/), read directly
 * </pre>
 *
 * <p>ROOT may also be a folder holding {@code VOC2012/} or {@code VOCdevkit/VOC2012/} ({@link #resolveRoot}).
 * Labels: 0 background, 1..20 the classes, 255 the void boundary; any other index is an error. The
 * colour of a label PNG is never looked at, only its index (grey PNGs work the same way).
 *
 * <p><b>train_aug</b> ({@code trainAug}: true, false, or auto, the default: used when a train_aug list
 * is found): the train split reads the first list of {@link #TRAIN_AUG_LISTS} found in
 * ImageSets/SegmentationAug/, then ImageSets/Segmentation/, and takes each label from
 * SegmentationClassAug/ID.png, else the official SegmentationClass/ID.png, else SBD's cls/ID.mat
 * ({@code GTcls.Segmentation}, {@link SbdLabelFile}), found in {@code cls/}, {@code SBD/cls/},
 * {@code SBD/dataset/cls/} or {@code benchmark_RELEASE/dataset/cls/} of the VOC root, of ROOT or of
 * the VOC root's parent. An image missing from JPEGImages/ is taken from SBD's img/ beside cls/. List
 * lines may be bare ids or DeepLab's "/JPEGImages/ID.jpg /SegmentationClassAug/ID.png" pairs: the
 * id is the file name of the first token without extension. The val split is always the official
 * val.txt (ImageSets/Segmentation/, else ImageSets/SegmentationAug/). A test split (test.txt)
 * without label files gets all-void labels. Sample ids are the VOC ids; the train split's name says
 * which list it read ({@code voc/train_aug} or {@code voc/train}).
 */
public final class VocDataset {
    private static final List<String> NAMES = List.of("background", "aeroplane", "bicycle", "bird", "boat", "bottle",
            "bus", "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
            "sheep", "sofa", "train", "tvmonitor");

    /** The 21 VOC classes with the VOC palette colours, void 255. */
    public static final LabelSpace LABELS = new LabelSpace(Palettes.classes(NAMES, Palettes.voc()), 255);

    /** The SBD list file name in ImageSets/Segmentation. */
    public static final String TRAIN_AUG_LIST = "train_aug.txt";
    /** The train_aug list names looked for, in this order. */
    public static final List<String> TRAIN_AUG_LISTS = List.of(TRAIN_AUG_LIST, "aug.txt", "trainaug.txt");

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
     * The train_aug list of a VOC root (ImageSets/SegmentationAug/, then ImageSets/Segmentation/;
     * {@link #TRAIN_AUG_LISTS} in order), or null when there is none.
     */
    public static Path trainAugList(Path root) {
        Path sets = resolveRoot(root).resolve("ImageSets");
        for (String dir : List.of("SegmentationAug", "Segmentation")) {
            for (String name : TRAIN_AUG_LISTS) {
                Path f = sets.resolve(dir).resolve(name);
                if (Files.isRegularFile(f)) {
                    return f;
                }
            }
        }
        return null;
    }

    /** The SBD cls/ folders that exist, in the order they are searched. */
    static List<Path> sbdClassDirs(Path root) {
        Path base = resolveRoot(root).toAbsolutePath().normalize();
        Set<Path> parents = new LinkedHashSet<>();
        parents.add(base);
        parents.add(root.toAbsolutePath().normalize());
        if (base.getParent() != null) {
            parents.add(base.getParent());
        }
        List<Path> out = new ArrayList<>();
        for (Path p : parents) {
            for (String sub : List.of("cls", "SBD/cls", "SBD/dataset/cls", "benchmark_RELEASE/dataset/cls")) {
                Path d = p.resolve(sub);
                if (Files.isDirectory(d) && !out.contains(d)) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** Opens one split; the train split reads train_aug when its list is found (trainAug auto). */
    public static SegmentationDataset open(Path root, Split split) throws DatasetException {
        return open(root, split, null);
    }

    /**
     * Opens one split.
     *
     * @param trainAug read the train_aug list and SBD labels for the train split: true (an error when
     *     missing), false, or null for auto (when a list is found)
     * @throws DatasetException naming the list or file at fault
     */
    public static SegmentationDataset open(Path root, Split split, Boolean trainAug) throws DatasetException {
        Path base = resolveRoot(root);
        Path lists = base.resolve("ImageSets").resolve("Segmentation");
        Path augList = trainAugList(root);
        boolean aug = split == Split.TRAIN && (trainAug == null ? augList != null : trainAug);
        if (aug && augList == null) {
            throw new DatasetException("trainAug=true but no train_aug list was found: expected one of " + TRAIN_AUG_LISTS
                    + " in " + base.resolve("ImageSets").resolve("SegmentationAug") + " or " + lists);
        }
        Path listFile = aug ? augList : lists.resolve(split.id() + ".txt");
        if (!aug && !Files.isRegularFile(listFile)) {
            Path alt = base.resolve("ImageSets").resolve("SegmentationAug").resolve(split.id() + ".txt");
            listFile = Files.isRegularFile(alt) ? alt : listFile;
        }
        List<String> ids = FileDataset.readList(listFile);
        Path images = base.resolve("JPEGImages");
        Path classDir = base.resolve("SegmentationClass");
        Path augDir = base.resolve("SegmentationClassAug");
        List<Path> sbd = aug ? sbdClassDirs(root) : List.of();
        if (aug && !Files.isDirectory(augDir) && sbd.isEmpty()) {
            throw new DatasetException("train_aug (" + listFile + ") needs the SBD labels: " + augDir
                    + " (PNG) or SBD's cls/ folder of .mat files (in " + base + ", " + root + " or beside " + base
                    + ": cls/, SBD/cls/, SBD/dataset/cls/ or benchmark_RELEASE/dataset/cls/); none exists");
        }
        List<FileDataset.Entry> entries = new ArrayList<>(ids.size());
        for (String id : ids) {
            Path image = images.resolve(id + ".jpg");
            Path label = null;
            List<Path> tried = new ArrayList<>();
            if (aug) {
                tried.add(augDir.resolve(id + ".png"));
            }
            tried.add(classDir.resolve(id + ".png"));
            for (Path d : sbd) {
                tried.add(d.resolve(id + ".mat"));
                if (!Files.isRegularFile(image) && Files.isRegularFile(d.resolveSibling("img").resolve(id + ".jpg"))) {
                    image = d.resolveSibling("img").resolve(id + ".jpg");
                }
            }
            if (!Files.isRegularFile(image)) {
                throw new DatasetException("image " + image + " listed in " + listFile + " does not exist");
            }
            for (Path t : tried) {
                if (Files.isRegularFile(t)) {
                    label = t;
                    break;
                }
            }
            if (label == null && split != Split.TEST) {
                FileDataset.unpaired("image " + image + " listed in " + listFile + " has no label: expected "
                        + String.join(" or ", tried.stream().map(Path::toString).toList()));
                continue;
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
