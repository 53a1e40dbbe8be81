package io.scaleprotoseg.trainer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A data set of image files with a label file (and optionally a part file) per image; the shared
 * decoding of all file-based readers. Entries are listed (and their files checked for existence)
 * when the reader opens the split; pixels are decoded on each {@link #get}.
 */
final class FileDataset implements SegmentationDataset {
    /**
     * One sample's files.
     *
     * @param label null for an unlabelled sample (a test split): its labels are all void
     * @param parts null when the data set has no part labels
     */
    record Entry(String id, Path image, Path label, Path parts) { }

    private final String name;
    private final LabelSpace labels;
    private final List<PartInfo> partTable;
    private final List<Entry> entries;
    private final LabelMapping mapping;
    private final LabelMapping partMapping;

    FileDataset(String name, LabelSpace labels, List<PartInfo> partTable, List<Entry> entries, LabelMapping mapping,
            LabelMapping partMapping) {
        this.name = name;
        this.labels = labels;
        this.partTable = List.copyOf(partTable);
        this.entries = List.copyOf(entries);
        this.mapping = mapping;
        this.partMapping = partMapping;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LabelSpace labels() {
        return labels;
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public List<PartInfo> parts() {
        return partTable;
    }

    /** The files of sample {@code index}. */
    Entry entry(int index) {
        return entries.get(index);
    }

    @Override
    public Sample get(int index) throws DatasetException {
        Entry e = entries.get(index);
        ImageFiles.Rgb rgb = ImageFiles.readRgb(e.image());
        int w = rgb.width();
        int h = rgb.height();
        int[] lab;
        if (e.label() == null) {
            lab = new int[w * h];
            Arrays.fill(lab, labels.ignoreLabel());
        } else {
            // SBD's class labels come as MATLAB files (VocDataset reads them directly)
            ImageFiles.Values raw = e.label().getFileName().toString().endsWith(".mat")
                    ? SbdLabelFile.read(e.label()) : ImageFiles.readValues(e.label(), "label");
            checkSize(e.image(), w, h, e.label(), "label", raw);
            lab = mapping.apply(raw.values(), w, e.label(), "label");
        }
        int[] parts = null;
        if (e.parts() != null) {
            ImageFiles.Values raw = ImageFiles.readValues(e.parts(), "part label");
            checkSize(e.image(), w, h, e.parts(), "part label", raw);
            parts = partMapping.apply(raw.values(), w, e.parts(), "part label");
        }
        return new Sample(e.id(), w, h, rgb.chw(), lab, parts);
    }

    static void checkSize(Path image, int w, int h, Path label, String kind, ImageFiles.Values raw) throws DatasetException {
        if (raw.width() != w || raw.height() != h) {
            throw new DatasetException(DatasetException.SIZE, "image " + image + " is " + w + "x" + h + " but its " + kind
                    + " " + label + " is "
                    + raw.width() + "x" + raw.height() + "; they must have the same size");
        }
    }

    // ---- listing helpers shared by the readers ----

    /** Unpaired files a scan collects instead of failing at the first; null outside a scan. */
    private static final ThreadLocal<List<String>> UNPAIRED = new ThreadLocal<>();

    /**
     * An image without its label or a label without its image: an error, except inside
     * {@link #collectUnpaired}, where the message is recorded and the reader skips the file.
     */
    static void unpaired(String message) throws DatasetException {
        List<String> collected = UNPAIRED.get();
        if (collected == null) {
            throw new DatasetException(DatasetException.UNPAIRED, message);
        }
        collected.add(message);
    }

    /** Something a reader does, with unpaired files collected rather than failing on the first. */
    interface Opening<T> {
        T open() throws DatasetException;
    }

    /**
     * Runs {@code opening} on this thread collecting unpaired files into {@code into} (a scan of a
     * whole data set wants all of them, training fails on the first).
     */
    static <T> T collectUnpaired(List<String> into, Opening<T> opening) throws DatasetException {
        List<String> previous = UNPAIRED.get();
        UNPAIRED.set(into);
        try {
            return opening.open();
        } finally {
            if (previous == null) {
                UNPAIRED.remove();
            } else {
                UNPAIRED.set(previous);
            }
        }
    }

    /** Regular files in {@code dir} whose lower-case name passes {@code filter}, sorted by name. */
    /**
     * The images of {@code imageDir} (jpg, jpeg, png) paired with the PNG label of the same stem in
     * {@code labelDir} (null: unlabelled split). A missing directory, a missing label or an empty
     * split is an error naming it.
     *
     * @param labelWord how the data set calls its label directory, for messages
     */
    static List<Entry> pairedEntries(Split split, Path imageDir, Path labelDir, String labelWord) throws DatasetException {
        if (!Files.isDirectory(imageDir)) {
            throw new DatasetException("empty split '" + split.id() + "': " + imageDir + " does not exist");
        }
        if (labelDir != null && !Files.isDirectory(labelDir)) {
            throw new DatasetException("split '" + split.id() + "' has no " + labelWord + " directory " + labelDir);
        }
        List<Entry> entries = new ArrayList<>();
        for (Path image : list(imageDir, n -> n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png"))) {
            String id = stem(image);
            Path label = null;
            if (labelDir != null) {
                label = labelDir.resolve(id + ".png");
                if (!Files.isRegularFile(label)) {
                    unpaired("image " + image + " has no label: expected " + label);
                    continue;
                }
            }
            entries.add(new Entry(id, image, label, null));
        }
        if (entries.isEmpty()) {
            throw new DatasetException("empty split '" + split.id() + "': no images in " + imageDir);
        }
        return entries;
    }

    static List<Path> list(Path dir, Predicate<String> filter) throws DatasetException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("directory " + dir + " does not exist");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> out = new ArrayList<>();
            s.filter(Files::isRegularFile)
                    .filter(p -> filter.test(p.getFileName().toString().toLowerCase(Locale.ROOT)))
                    .sorted()
                    .forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Sub-directories of {@code dir}, sorted by name. */
    static List<Path> subdirectories(Path dir) throws DatasetException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("directory " + dir + " does not exist");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The file name without its last extension. */
    static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static boolean isImageName(String lowerName) {
        return lowerName.endsWith(".png") || lowerName.endsWith(".jpg") || lowerName.endsWith(".jpeg")
                || lowerName.endsWith(".bmp");
    }

    /** Reads the ids of a split list file: one per line, first token, path and extension stripped. */
    static List<String> readList(Path listFile) throws DatasetException {
        if (!Files.isRegularFile(listFile)) {
            throw new DatasetException("split list " + listFile + " does not exist");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(listFile);
        } catch (IOException e) {
            throw new DatasetException("cannot read split list " + listFile + ": " + e.getMessage(), e);
        }
        List<String> ids = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String first = t.split("\\s+")[0];
            // DeepLab-style lists hold "/JPEGImages/<id>.jpg /SegmentationClassAug/<id>.png"
            int slash = first.lastIndexOf('/');
            if (slash >= 0) {
                first = first.substring(slash + 1);
            }
            int dot = first.lastIndexOf('.');
            ids.add(dot > 0 ? first.substring(0, dot) : first);
        }
        if (ids.isEmpty()) {
            throw new DatasetException("empty split: list " + listFile + " names no images");
        }
        return ids;
    }
}
