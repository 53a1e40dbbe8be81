package io.scaleprotoseg.trainer.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ADE20K, the SceneParsing release (ADEChallengeData2016):
 *
 * <pre>
 * ROOT/images/{training,validation}/NAME.jpg
 * ROOT/annotations/{training,validation}/NAME.png    8-bit grey: 0 = void, 1..150 = classes
 * ROOT/objectInfo150.csv                            optional class names
 * ROOT/images/testing/NAME.jpg  or  ROOT/release_test/testing/NAME.jpg   test images, no labels
 * </pre>
 *
 * <p>ROOT may also be the folder holding {@code ADEChallengeData2016/}. Split train = training,
 * val = validation. Labels are shifted by one: value 0 becomes void 255, value v in 1..150 becomes
 * class v - 1; values above 150 are errors. Class names come from objectInfo150.csv (columns
 * Idx,Ratio,Train,Val,Name; the first synonym of Name, e.g. "person" of "person;individual;someone"),
 * else "class1".."class150". Colours: the fixed generated palette {@link Palettes#generated}(150).
 * The test split has no labels: all void.
 */
public final class Ade20kDataset {
    /** Number of classes of the SceneParsing benchmark. */
    public static final int NUM_CLASSES = 150;

    private Ade20kDataset() {
    }

    /** {@code root}, or its ADEChallengeData2016/ sub-folder when root does not hold images/. */
    public static Path resolveRoot(Path root) {
        Path sub = root.resolve("ADEChallengeData2016");
        if (!Files.isDirectory(root.resolve("images")) && Files.isDirectory(sub.resolve("images"))) {
            return sub;
        }
        return root;
    }

    /**
     * The label space: names from {@code objectInfo150.csv} in {@code root} when present.
     *
     * @throws DatasetException naming the csv when it is malformed
     */
    public static LabelSpace labels(Path root) throws DatasetException {
        Path csv = resolveRoot(root).resolve("objectInfo150.csv");
        List<String> names = new ArrayList<>();
        if (Files.isRegularFile(csv)) {
            List<String> lines;
            try {
                lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new DatasetException("cannot read class names " + csv + ": " + e.getMessage(), e);
            }
            for (int n = 1; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty()) {
                    continue;
                }
                String[] cols = line.split(",", 5);
                if (cols.length < 5) {
                    throw new DatasetException(csv + " line " + (n + 1) + ": expected 5 columns Idx,Ratio,Train,Val,Name");
                }
                int idx;
                try {
                    idx = Integer.parseInt(cols[0].strip());
                } catch (NumberFormatException e) {
                    throw new DatasetException(csv + " line " + (n + 1) + ": Idx '" + cols[0] + "' is not an integer");
                }
                if (idx != names.size() + 1) {
                    throw new DatasetException(csv + " line " + (n + 1) + ": Idx " + idx + ", expected " + (names.size() + 1));
                }
                String name = cols[4].strip().replace("\"", "").split(";")[0].strip();
                names.add(name.isEmpty() ? "class" + idx : name);
            }
            if (names.size() != NUM_CLASSES) {
                throw new DatasetException(csv + " names " + names.size() + " classes, expected " + NUM_CLASSES);
            }
        } else {
            for (int i = 1; i <= NUM_CLASSES; i++) {
                names.add("class" + i);
            }
        }
        return new LabelSpace(Palettes.classes(names, Palettes.generated(NUM_CLASSES)), 255);
    }

    /**
     * Opens one split.
     *
     * @throws DatasetException naming the directory or file at fault
     */
    public static SegmentationDataset open(Path root, Split split) throws DatasetException {
        Path base = resolveRoot(root);
        LabelSpace labels = labels(base);
        Path imageDir;
        Path labelDir = null;
        if (split == Split.TEST) {
            imageDir = base.resolve("images").resolve("testing");
            if (!Files.isDirectory(imageDir)) {
                imageDir = base.resolve("release_test").resolve("testing");
            }
        } else {
            String dir = split == Split.TRAIN ? "training" : "validation";
            imageDir = base.resolve("images").resolve(dir);
            labelDir = base.resolve("annotations").resolve(dir);
        }
        List<FileDataset.Entry> entries = FileDataset.pairedEntries(split, imageDir, labelDir, "annotation");
        int[] table = new int[256];
        Arrays.fill(table, LabelMapping.INVALID);
        table[0] = 255;
        for (int v = 1; v <= NUM_CLASSES; v++) {
            table[v] = v - 1;
        }
        return new FileDataset("ade20k/" + split.id(), labels, List.of(), entries,
                new LabelMapping(table, "0 (void) or 1.." + NUM_CLASSES + " (classes 0.." + (NUM_CLASSES - 1) + ")"), null);
    }
}
