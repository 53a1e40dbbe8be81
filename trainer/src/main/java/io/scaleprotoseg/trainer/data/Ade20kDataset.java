package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ModelCard.ClassInfo;
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
 * ROOT/objectInfo150.txt                            class names (also objectInfo150.csv, object150_info.csv)
 * ROOT/images/testing/NAME.jpg  or  release_test/testing/NAME.jpg inside or beside ROOT   test images, no labels
 * </pre>
 *
 * <p>ROOT may also be the folder holding {@code ADEChallengeData2016/}. Split train = training,
 * val = validation. Labels are shifted by one: value 0 becomes void 255, value v in 1..150 becomes
 * class v - 1; values above 150 are errors. Class names come from the release's objectInfo150.txt
 * or one of the csv variants ({@link Ade20kClassNames}: the first synonym is the name, e.g. "person"
 * of "person, individual, someone", all synonyms are kept), else the official names built in.
 * Colours: the fixed generated palette {@link Palettes#generated}(150).
 * The test split has no labels: all void.
 */
public final class Ade20kDataset {
    /** Number of classes of the SceneParsing benchmark. */
    public static final int NUM_CLASSES = 150;

    private Ade20kDataset() {
    }

    /** {@code root}, or its ADEChallengeData2016/ sub-folder when there is one and root does not hold images/. */
    public static Path resolveRoot(Path root) {
        Path sub = root.resolve("ADEChallengeData2016");
        if (!Files.isDirectory(root.resolve("images")) && Files.isDirectory(sub)) {
            return sub;
        }
        return root;
    }

    /**
     * The label space: names from the first class-name file of {@link Ade20kClassNames#FILE_NAMES}
     * in the data root (or the root given, when it holds ADEChallengeData2016/), with all synonyms;
     * without one, the official names built in ({@link Ade20kClassNames#official()}).
     *
     * @throws DatasetException naming the class-name file when it is in no accepted format
     */
    public static LabelSpace labels(Path root) throws DatasetException {
        Path base = resolveRoot(root);
        Path file = Ade20kClassNames.find(base);
        if (file == null && !base.equals(root)) {
            file = Ade20kClassNames.find(root);
        }
        return file == null ? builtInLabels() : labels(Ade20kClassNames.read(file));
    }

    /** The 150 classes with the official names (first synonyms) and the generated palette, void 255. */
    public static LabelSpace builtInLabels() {
        List<List<String>> names = new ArrayList<>();
        for (String n : Ade20kClassNames.official()) {
            names.add(List.of(n));
        }
        return labels(names);
    }

    private static LabelSpace labels(List<List<String>> synonyms) {
        int[] palette = Palettes.generated(NUM_CLASSES);
        List<ClassInfo> classes = new ArrayList<>(NUM_CLASSES);
        for (int i = 0; i < NUM_CLASSES; i++) {
            List<String> s = synonyms.get(i);
            // a single name is no synonym list: the card stays as it was without one
            classes.add(new ClassInfo(i, s.get(0), Palettes.hex(palette[i]), s.size() > 1 ? s : List.of()));
        }
        return new LabelSpace(classes, 255);
    }

    /**
     * The test images: images/testing/ of the data root, else the test release (release_test.zip:
     * release_test/testing/) inside the data root, beside it, or in the folder given.
     */
    static Path testImages(Path root) {
        Path base = resolveRoot(root);
        List<Path> candidates = new ArrayList<>(List.of(base.resolve("images").resolve("testing"),
                base.resolve("release_test").resolve("testing"), root.resolve("release_test").resolve("testing")));
        Path parent = base.toAbsolutePath().normalize().getParent();
        if (parent != null) {
            candidates.add(parent.resolve("release_test").resolve("testing"));
        }
        for (Path c : candidates) {
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        return candidates.get(0);
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
            imageDir = testImages(root);
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
