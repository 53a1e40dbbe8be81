package io.scaleprotoseg.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The generic folder format: the format to put your own data in, and the one the built-in
 * {@link Scenes} generator writes.
 *
 * <pre>
 * ROOT/classes.txt                     classes and void label (format: {@link ClassesFile})
 * ROOT/parts.txt                       optional part names (format: {@link ClassesFile})
 * ROOT/{train,val,test}/images/NAME.png|jpg|jpeg|bmp
 * ROOT/{train,val,test}/masks/NAME.png    class ids, same size as the image
 * ROOT/{train,val,test}/parts/NAME.png    optional part ids, same size as the image
 * </pre>
 *
 * <ul>
 *   <li>Masks are single-channel PNGs: 8-bit grey, 16-bit grey or palette (the palette index is the
 *       value, the colour is ignored). Each value is a class id 0..C-1 or the void label (255 unless
 *       classes.txt has an {@code ignore} line); any other value is an error naming file, value and pixel.
 *   <li>Images and masks are matched by file name without extension (NAME). An image without a mask,
 *       or a mask without an image, is an error naming it. Samples are ordered by NAME; the sample id
 *       is NAME.
 *   <li>Part labels: if {@code ROOT/<split>/parts/} exists, every image needs a part PNG of the same
 *       NAME and size, one part id per pixel, 0 = no part. With a parts.txt, values must be 0..P; without
 *       one, any value is accepted and {@link SegmentationDataset#parts()} is empty.
 *   <li>A test split without a masks/ directory is unlabelled: its labels are all void. A train or
 *       val split without masks/ is an error.
 * </ul>
 */
public final class FolderDataset {
    /** The names of the sub-directories of a split. */
    public static final String IMAGES = "images";
    public static final String MASKS = "masks";
    public static final String PARTS = "parts";

    private FolderDataset() {
    }

    /**
     * Opens one split of a folder data set.
     *
     * @throws DatasetException naming the file or directory at fault: missing or malformed classes
     *     file, missing split, empty split, an image without a mask or a mask without an image
     */
    public static SegmentationDataset open(Path root, Split split) throws DatasetException {
        LabelSpace labels = ClassesFile.readClasses(root.resolve(ClassesFile.CLASSES));
        Path partsFile = root.resolve(ClassesFile.PARTS);
        List<PartInfo> partTable = Files.isRegularFile(partsFile)
                ? ClassesFile.readParts(partsFile, labels.numClasses()) : List.of();
        Path splitDir = root.resolve(split.id());
        Path imagesDir = splitDir.resolve(IMAGES);
        if (!Files.isDirectory(imagesDir)) {
            throw new DatasetException("empty split '" + split.id() + "': " + imagesDir + " does not exist");
        }
        Map<String, Path> images = byStem(FileDataset.list(imagesDir, FileDataset::isImageName), "image");
        if (images.isEmpty()) {
            throw new DatasetException("empty split '" + split.id() + "': no images (.png, .jpg, .jpeg, .bmp) in " + imagesDir);
        }
        Path masksDir = splitDir.resolve(MASKS);
        Map<String, Path> masks = null;
        if (Files.isDirectory(masksDir)) {
            masks = byStem(FileDataset.list(masksDir, n -> n.endsWith(".png")), "mask");
            match(images, masks, masksDir, "mask");
        } else if (split != Split.TEST) {
            throw new DatasetException("split '" + split.id() + "' has no mask directory " + masksDir
                    + " (only a test split may be unlabelled)");
        }
        Path partsDir = splitDir.resolve(PARTS);
        Map<String, Path> parts = null;
        if (Files.isDirectory(partsDir)) {
            parts = byStem(FileDataset.list(partsDir, n -> n.endsWith(".png")), "part label");
            match(images, parts, partsDir, "part label");
        }
        List<FileDataset.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Path> e : images.entrySet()) {
            String stem = e.getKey();
            entries.add(new FileDataset.Entry(stem, e.getValue(), masks == null ? null : masks.get(stem),
                    parts == null ? null : parts.get(stem)));
        }
        String name = (root.getFileName() == null ? root.toString() : root.getFileName().toString()) + "/" + split.id();
        return new FileDataset(name, labels, partTable, entries, LabelMapping.identity(labels),
                LabelMapping.parts(partTable.isEmpty() ? -1 : partTable.size()));
    }

    private static Map<String, Path> byStem(List<Path> files, String kind) throws DatasetException {
        Map<String, Path> out = new TreeMap<>();
        for (Path f : files) {
            Path previous = out.put(FileDataset.stem(f), f);
            if (previous != null) {
                throw new DatasetException("two " + kind + " files share the name " + FileDataset.stem(f) + ": " + previous
                        + " and " + f);
            }
        }
        return out;
    }

    private static void match(Map<String, Path> images, Map<String, Path> labels, Path labelDir, String kind)
            throws DatasetException {
        for (Map.Entry<String, Path> e : List.copyOf(images.entrySet())) {
            if (!labels.containsKey(e.getKey())) {
                FileDataset.unpaired("image " + e.getValue() + " has no " + kind + ": expected "
                        + labelDir.resolve(e.getKey() + ".png"));
                images.remove(e.getKey());
            }
        }
        Map<String, Path> extra = new LinkedHashMap<>(labels);
        extra.keySet().removeAll(images.keySet());
        for (Path orphan : extra.values()) {
            FileDataset.unpaired(kind + " " + orphan + " has no image of the same name in " + labelDir.resolveSibling(IMAGES));
        }
    }
}
