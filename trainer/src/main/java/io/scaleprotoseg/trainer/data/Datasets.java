package io.scaleprotoseg.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Opens a data set split by format name, root folder and options: the entry point behind
 * {@code scaleprotoseg train --data DIR}.
 *
 * <p><b>Formats</b> ({@link #FORMATS}; aliases in parentheses) and their options (all values are
 * strings, e.g. from {@code --data-option key=value}):
 * <ul>
 *   <li>{@code folder} (generic): {@link FolderDataset}.
 *   <li>{@code cityscapes}: {@link CityscapesDataset}; {@code labels=trainIds} reads the
 *       gtFine_labelTrainIds.png files instead of the release's gtFine_labelIds.png.
 *   <li>{@code voc} (pascal, voc2012): {@link VocDataset}; {@code trainAug=auto} (the default)
 *       reads the SBD train_aug list for the train split when one is found, {@code true} requires
 *       it, {@code false} reads train.txt.
 *   <li>{@code ade20k} (ade): {@link Ade20kDataset}.
 *   <li>{@code em} (isbi, isbi2012): {@link IsbiEmDataset}; {@code valSplit=drawn} (the default:
 *       {@code valSlices} slices, default 10, drawn with {@code valSeed}, default 42, as the
 *       reference) or {@code valSplit=last} (the last {@code valSlices} slices, default 5).
 *   <li>{@code coco-stuff} (coco, cocostuff): {@link CocoStuffDataset}; {@code classes=182} for the
 *       reference's 182-class id layout (default 171).
 *   <li>{@code fashion-mnist} (fmnist): {@link FashionMnistScenes}; root is the folder of the IDX
 *       files (default: Debian's {@link FashionMnistScenes#DEBIAN_DIRECTORY}); {@code seed},
 *       {@code width}, {@code height}, {@code count} (samples in this split).
 *   <li>{@code scenes} (synthetic): {@link Scenes}, generated, no root needed; {@code seed},
 *       {@code width}, {@code height}, {@code count} (samples in this split).
 * </ul>
 * Every format also takes {@code limit=N}: only the first N samples. Unknown options are errors.
 *
 * <p><b>Format detection</b> (format null or "auto"), first rule that matches the root:
 * <ol>
 *   <li>{@code classes.txt} -> folder
 *   <li>{@code leftImg8bit/} and {@code gtFine/} -> cityscapes
 *   <li>{@code JPEGImages/} and {@code ImageSets/Segmentation/} or {@code ImageSets/SegmentationAug/}
 *       (also under {@code VOC2012/} or {@code VOCdevkit/VOC2012/}) -> voc
 *   <li>{@code stuffthingmaps_trainval2017/}, or {@code images/} and
 *       {@code annotations/{train2017,val2017}/} -> coco-stuff
 *   <li>{@code images/training/} or {@code annotations/training/} (also under
 *       {@code ADEChallengeData2016/}) -> ade20k
 *   <li>{@code train-volume.tif} or {@code test-volume.tif} -> em
 *   <li>{@code train-images-idx3-ubyte[.gz]} or {@code t10k-images-idx3-ubyte[.gz]} -> fashion-mnist
 * </ol>
 * A root that matches none is an error listing these rules.
 */
public final class Datasets {
    /** The canonical format names. */
    public static final List<String> FORMATS = List.of("folder", "cityscapes", "voc", "ade20k", "em", "coco-stuff",
            "fashion-mnist", "scenes");

    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("generic", "folder"), Map.entry("pascal", "voc"), Map.entry("voc2012", "voc"),
            Map.entry("pascal-voc", "voc"), Map.entry("ade", "ade20k"), Map.entry("isbi", "em"),
            Map.entry("isbi2012", "em"), Map.entry("coco", "coco-stuff"), Map.entry("cocostuff", "coco-stuff"),
            Map.entry("fmnist", "fashion-mnist"), Map.entry("fashionmnist", "fashion-mnist"),
            Map.entry("synthetic", "scenes"));

    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "folder", Set.of("limit"),
            "cityscapes", Set.of("limit", "labels"),
            "voc", Set.of("limit", "trainAug"),
            "ade20k", Set.of("limit"),
            "em", Set.of("limit", "valSplit", "valSlices", "valSeed"),
            "coco-stuff", Set.of("limit", "classes"),
            "fashion-mnist", Set.of("limit", "seed", "width", "height", "count"),
            "scenes", Set.of("limit", "seed", "width", "height", "count"));

    private Datasets() {
    }

    /** Opens a split, detecting the format from the root's layout, without options. */
    public static SegmentationDataset open(Path root, Split split) throws DatasetException {
        return open(null, root, split, Map.of());
    }

    /**
     * Opens a split.
     *
     * @param format a name of {@link #FORMATS} or an alias; null or "auto" to detect it from the root
     * @param root the data set root (may be null for "scenes" and "fashion-mnist")
     * @param options format options (see the class documentation); unknown keys are errors
     * @throws DatasetException naming the file, directory or option at fault
     */
    public static SegmentationDataset open(String format, Path root, Split split, Map<String, String> options)
            throws DatasetException {
        String fmt = canonical(format, root);
        Map<String, String> opts = options == null ? Map.of() : options;
        Set<String> allowed = OPTIONS.get(fmt);
        for (String key : opts.keySet()) {
            if (!allowed.contains(key)) {
                throw new DatasetException("unknown option '" + key + "' for data format " + fmt + "; accepted: "
                        + new TreeSet<>(allowed));
            }
        }
        if (root == null && !fmt.equals("scenes") && !fmt.equals("fashion-mnist")) {
            throw new DatasetException("data format " + fmt + " needs a root folder");
        }
        SegmentationDataset ds = switch (fmt) {
            case "folder" -> FolderDataset.open(root, split);
            case "cityscapes" -> CityscapesDataset.open(root, split, opts.containsKey("labels")
                    ? CityscapesDataset.LabelFiles.parse(opts.get("labels")) : CityscapesDataset.LabelFiles.LABEL_IDS);
            case "voc" -> VocDataset.open(root, split, "auto".equalsIgnoreCase(opts.getOrDefault("trainAug", "auto").strip())
                    ? null : bool(opts, "trainAug", false));
            case "ade20k" -> Ade20kDataset.open(root, split);
            case "em" -> em(root, split, opts);
            case "coco-stuff" -> CocoStuffDataset.open(root, split, switch (opts.getOrDefault("classes", "171").strip()) {
                case "171" -> false;
                case "182" -> true;
                default -> throw new DatasetException("data option classes=" + opts.get("classes") + ": expected 171 (the "
                        + "classes that occur, the default) or 182 (the reference's id layout)");
            });
            case "fashion-mnist" -> fashionMnist(root, split, opts);
            case "scenes" -> scenes(split, opts);
            default -> throw new IllegalStateException(fmt);
        };
        if (opts.containsKey("limit")) {
            ds = limit(ds, integer(opts, "limit", ds.size()));
        }
        return ds;
    }

    /**
     * Detects the format of a root folder (rules in the class documentation).
     *
     * @throws DatasetException when the root does not exist or matches no rule
     */
    public static String detectFormat(Path root) throws DatasetException {
        if (root == null || !Files.isDirectory(root)) {
            throw new DatasetException("data root " + root + " is not a directory");
        }
        if (Files.isRegularFile(root.resolve(ClassesFile.CLASSES))) {
            return "folder";
        }
        if (Files.isDirectory(root.resolve("leftImg8bit")) && Files.isDirectory(root.resolve("gtFine"))) {
            return "cityscapes";
        }
        Path voc = VocDataset.resolveRoot(root);
        if (Files.isDirectory(voc.resolve("JPEGImages")) && (Files.isDirectory(voc.resolve("ImageSets").resolve("Segmentation"))
                || Files.isDirectory(voc.resolve("ImageSets").resolve("SegmentationAug")))) {
            return "voc";
        }
        if (Files.isDirectory(root.resolve("stuffthingmaps_trainval2017"))
                || (Files.isDirectory(root.resolve("images")) && CocoStuffDataset.labelRoot(root) != null)) {
            return "coco-stuff";
        }
        Path ade = Ade20kDataset.resolveRoot(root);
        if (Files.isDirectory(ade.resolve("images").resolve("training"))
                || Files.isDirectory(ade.resolve("annotations").resolve("training"))) {
            return "ade20k";
        }
        if (Files.isRegularFile(root.resolve("train-volume.tif")) || Files.isRegularFile(root.resolve("test-volume.tif"))) {
            return "em";
        }
        for (String base : List.of("train-images-idx3-ubyte", "t10k-images-idx3-ubyte")) {
            if (Files.isRegularFile(root.resolve(base)) || Files.isRegularFile(root.resolve(base + ".gz"))) {
                return "fashion-mnist";
            }
        }
        throw new DatasetException("cannot tell the data format of " + root + ": expected classes.txt (folder), "
                + "leftImg8bit/ + gtFine/ (cityscapes), JPEGImages/ + ImageSets/Segmentation[Aug]/ (voc), "
                + "stuffthingmaps_trainval2017/ or images/ + annotations/train2017/ (coco-stuff), images/training/ "
                + "(ade20k), train-volume.tif (em) or "
                + "train-images-idx3-ubyte[.gz] (fashion-mnist); or name the format explicitly");
    }

    /** The first {@code n} samples of {@code ds} (all of them when it has fewer). */
    public static SegmentationDataset limit(SegmentationDataset ds, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("limit " + n + " is negative");
        }
        int size = Math.min(n, ds.size());
        return new ForwardingDataset(ds) {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Sample get(int index) throws DatasetException {
                if (index < 0 || index >= size) {
                    throw new IndexOutOfBoundsException("sample " + index + " of " + size);
                }
                return ds.get(index);
            }
        };
    }

    /**
     * Parses {@code key=value} strings (command-line options) into an ordered map.
     *
     * @throws DatasetException naming an entry without '=' or a key given twice
     */
    public static Map<String, String> parseOptions(List<String> keyValues) throws DatasetException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : keyValues) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new DatasetException("data option '" + kv + "' is not key=value");
            }
            if (out.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip()) != null) {
                throw new DatasetException("data option '" + kv.substring(0, eq) + "' is given twice");
            }
        }
        return out;
    }

    /**
     * The classes a data format defines by itself (its official label space), by format name or
     * alias ({@code coco-stuff-182}: the reference's 182-class COCO-Stuff layout), or null for formats whose classes come with the data (the folder format) or for a name
     * that is not a format. ADE20K: the official names of objectInfo150.txt, built in (a data root's
     * own class-name file may add synonyms, never other names).
     *
     * @throws DatasetException never for the built-in formats (kept for formats whose tables are files)
     */
    public static LabelSpace builtInLabels(String format) throws DatasetException {
        String f = format.strip().toLowerCase(Locale.ROOT);
        return switch (ALIASES.getOrDefault(f, f)) {
            case "cityscapes" -> CityscapesDataset.LABELS;
            case "voc" -> VocDataset.LABELS;
            case "coco-stuff" -> CocoStuffDataset.LABELS;
            case "coco-stuff-182" -> CocoStuffDataset.LABELS_182;
            case "em" -> IsbiEmDataset.LABELS;
            case "ade20k" -> Ade20kDataset.builtInLabels();
            case "scenes" -> Scenes.LABELS;
            case "fashion-mnist" -> FashionMnistScenes.LABELS;
            default -> null;
        };
    }

    private static String canonical(String format, Path root) throws DatasetException {
        if (format == null || format.isBlank() || format.equalsIgnoreCase("auto")) {
            return detectFormat(root);
        }
        String f = format.strip().toLowerCase(Locale.ROOT);
        f = ALIASES.getOrDefault(f, f);
        if (!FORMATS.contains(f)) {
            throw new DatasetException("unknown data format '" + format + "'; known: " + String.join(", ", FORMATS));
        }
        return f;
    }

    private static SegmentationDataset em(Path root, Split split, Map<String, String> opts) throws DatasetException {
        String mode = opts.getOrDefault("valSplit", "drawn").strip().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "drawn" -> {
                long seed = longValue(opts, "valSeed", IsbiEmDataset.REFERENCE_SEED);
                if (seed < 0) {
                    throw new DatasetException("data option valSeed=" + seed + " is negative");
                }
                yield IsbiEmDataset.open(root, split, integer(opts, "valSlices", IsbiEmDataset.REFERENCE_VAL_SLICES), seed);
            }
            case "last" -> {
                if (opts.containsKey("valSeed")) {
                    throw new DatasetException("data option valSeed applies to valSplit=drawn, not valSplit=last");
                }
                yield IsbiEmDataset.open(root, split, integer(opts, "valSlices", IsbiEmDataset.DEFAULT_VAL_SLICES));
            }
            default -> throw new DatasetException("data option valSplit=" + opts.get("valSplit")
                    + ": expected drawn (the default: slices drawn with valSeed, as the reference) or last (the last "
                    + "valSlices slices)");
        };
    }

    private static SegmentationDataset scenes(Split split, Map<String, String> opts) throws DatasetException {
        Scenes d = Scenes.defaults();
        int width = integer(opts, "width", d.width());
        int height = integer(opts, "height", d.height());
        if (width < 32 || height < 24) {
            throw new DatasetException("scenes need at least 32x24 pixels; got width=" + width + ", height=" + height);
        }
        int count = integer(opts, "count", d.count(split));
        if (count < 1) {
            throw new DatasetException("empty split '" + split.id() + "': scenes count=" + count);
        }
        Scenes cfg = d.withSeed(longValue(opts, "seed", d.seed())).withSize(width, height)
                .withCounts(split == Split.TRAIN ? count : d.trainCount(), split == Split.VAL ? count : d.valCount(),
                        split == Split.TEST ? count : d.testCount());
        return cfg.dataset(split);
    }

    private static SegmentationDataset fashionMnist(Path root, Split split, Map<String, String> opts) throws DatasetException {
        FashionMnistScenes d = FashionMnistScenes.defaults();
        int width = integer(opts, "width", d.width());
        int height = integer(opts, "height", d.height());
        if (width < 8 || height < 8) {
            throw new DatasetException("glyph scenes need at least 8x8 pixels; got width=" + width + ", height=" + height);
        }
        int count = integer(opts, "count", d.count(split));
        FashionMnistScenes cfg = d.withDirectory(root == null ? FashionMnistScenes.DEBIAN_DIRECTORY : root)
                .withSeed(longValue(opts, "seed", d.seed())).withSize(width, height)
                .withCounts(split == Split.TRAIN ? count : d.trainCount(), split == Split.VAL ? count : d.valCount(),
                        split == Split.TEST ? count : d.testCount());
        return cfg.dataset(split);
    }

    private static int integer(Map<String, String> opts, String key, int def) throws DatasetException {
        String v = opts.get(key);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new DatasetException("data option " + key + "=" + v + " is not an integer");
        }
    }

    private static long longValue(Map<String, String> opts, String key, long def) throws DatasetException {
        String v = opts.get(key);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new DatasetException("data option " + key + "=" + v + " is not an integer");
        }
    }

    private static boolean bool(Map<String, String> opts, String key, boolean def) throws DatasetException {
        String v = opts.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new DatasetException("data option " + key + "=" + v + " is not true or false");
        };
    }
}
